"""cfx as a user gets it: a wheel with the package data and the console script, installed into a fresh venv.

Builds the wheel from a copy of the sources (so the working tree gets no build/ or egg-info), checks its files,
installs it with --no-deps into a venv that sees this environment's packages (torch etc.) through a .pth line,
and runs `cfx info` from outside the repository.
"""
import os, shutil, subprocess, sys, sysconfig, zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC_FILES = ["setup.py", "settings.ini", "README.md", "MANIFEST.in", "LICENSE"]


def asset_files() -> list[str]:
    "Every file under cfx/assets in the working tree, as wheel paths (cfx/assets/...)."
    base = ROOT / "cfx" / "assets"
    if not base.exists(): return []
    return sorted(p.relative_to(ROOT).as_posix() for p in base.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    src.mkdir()
    for f in SRC_FILES:
        if (ROOT / f).exists(): shutil.copy2(ROOT / f, src / f)
    shutil.copytree(ROOT / "cfx", src / "cfx", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", ".", "-w", str(tmp / "dist")],
                       cwd=src, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, f"pip wheel failed:\n{r.stdout[-2000:]}\n{r.stderr[-4000:]}"
    wheels = list((tmp / "dist").glob("cfx-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def test_wheel_contents(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "cfx").rglob("*.py"))
    missing = [m for m in modules if m not in names]
    assert not missing, f"modules missing from the wheel: {missing}"
    missing = [a for a in asset_files() if a not in names]
    assert not missing, f"package data missing from the wheel: {missing}"
    eps = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
    assert eps, "no entry_points.txt in the wheel"
    text = zipfile.ZipFile(wheel).read(eps[0]).decode()
    assert "[console_scripts]" in text and "cfx = cfx.cli.main:main" in text, text


def test_installed_copy_runs_cfx_info(wheel, tmp_path):
    venv = tmp_path / "venv"
    r = subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(venv)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    py = venv / "bin" / "python"
    purelib = Path(subprocess.check_output([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True).strip())
    # see this environment's packages (torch, numpy, ...) after the venv's own; its .pth files (the editable cfx) are not read
    (purelib / "zz_test_env.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    r = subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps", "--no-index", "-q", str(wheel)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, f"pip install of the wheel failed:\n{r.stderr[-4000:]}"
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    where = subprocess.run([str(py), "-c", "import cfx, pathlib; print(pathlib.Path(cfx.__file__).parent)"],
                           cwd=outside, env=env, capture_output=True, text=True, timeout=120)
    assert where.returncode == 0, where.stderr
    pkg = Path(where.stdout.strip())
    assert venv in pkg.parents, f"cfx imported from {pkg}, not from the installed wheel"
    for a in asset_files():
        assert (pkg.parent / a).is_file(), f"installed copy lacks {a}"
    r = subprocess.run([str(venv / "bin" / "cfx"), "info"], cwd=outside, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, f"cfx info failed in the installed copy:\n{r.stdout}\n{r.stderr[-3000:]}"
    assert f"({pkg})" in r.stdout.splitlines()[0], r.stdout.splitlines()[0]
    assert "datasets:" in r.stdout
    r = subprocess.run([str(py), "-m", "cfx", "run", "--help"], cwd=outside, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and r.stdout.startswith("usage: cfx run"), f"python -m cfx failed in the installed copy:\n{r.stderr[-3000:]}"


def test_import_cfx_loads_no_torch_and_keeps_the_torchvision_repair():
    "`import cfx` is light (no torch), and `import cfx` then `import torchvision` still works (the compat chapter's promise)."
    code = ("import sys, cfx\n"
            "assert not [m for m in sys.modules if m.split('.')[0] in ('torch', 'torchvision', 'numpy')], 'import cfx loaded torch'\n"
            "import torchvision\n"
            "assert 'cfx._compat' in sys.modules and isinstance(cfx.TORCHVISION_OPS, bool)\n"
            "print(torchvision.models.resnet18(weights=None).fc.out_features)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600, cwd="/")
    assert (r.returncode, r.stdout.strip()) == (0, "1000"), r.stderr[-3000:]
