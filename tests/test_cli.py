"""The `cfx` command end to end: the installed console script, run in a subprocess from outside the repo."""
import json, os, re, shutil, subprocess, sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def cfx_exe() -> str:
    "The `cfx` console script of the environment running the tests."
    here = Path(sys.executable).parent / "cfx"
    exe = str(here) if here.exists() else shutil.which("cfx")
    assert exe, "the `cfx` console script is not installed (pip install -e .)"
    return exe


def run(*args, timeout=300):
    return subprocess.run([cfx_exe(), *args], capture_output=True, text=True, timeout=timeout, cwd=os.path.expanduser("~") if Path.home().exists() else "/",
                          env={**os.environ, "COLUMNS": "100"}, stdin=subprocess.DEVNULL)


def test_help_lists_commands():
    r = run("--help")
    assert r.returncode == 0, r.stderr
    for cmd in ("info", "explain", "train", "zoo"):
        assert re.search(rf"^\s+{cmd}\s+\S", r.stdout, re.M), f"`cfx --help` does not list {cmd}:\n{r.stdout}"


def test_no_command_is_a_usage_error():
    r = run()
    assert r.returncode == 2 and "usage: cfx" in r.stderr


def test_version():
    import cfx
    r = run("--version")
    assert r.returncode == 0 and r.stdout.strip() == f"cfx {cfx.__version__}"


def test_unknown_command():
    r = run("inof")
    assert r.returncode == 2
    assert "unknown command 'inof'" in r.stderr and "cfx info" in r.stderr, r.stderr


def test_info_text():
    import torch
    r = run("info")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert f"torch {torch.__version__}" in out and "torchvision " in out and "python " in out
    assert "CUDA available: " in out and "torchvision compiled ops: " in out
    assert "datasets:" in out and "zoo models:" in out


def test_info_json():
    r = run("info", "--json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert isinstance(d["device"]["cuda_available"], bool)
    assert d["datasets"] is None or all({"name", "found"} <= set(s) for s in d["datasets"])
    assert d["models"] is None or all({"name", "task", "file"} <= set(m) for m in d["models"])


def test_info_bad_option():
    r = run("info", "--frobnicate")
    assert r.returncode == 2 and "unrecognized arguments" in r.stderr


@pytest.mark.parametrize("cmd,module", [("explain", "cfx.explain_cli"), ("train", "cfx.train"), ("zoo", "cfx.zoo")])
def test_other_commands_help_or_clear_error(cmd, module):
    "Each registered command either shows its help or says clearly that its module is not in this install."
    r = run(cmd, "--help")
    if (ROOT / (module.replace(".", "/") + ".py")).exists():
        assert r.returncode == 0, f"`cfx {cmd} --help` failed:\n{r.stderr[-2000:]}"
        assert f"usage: cfx {cmd}" in r.stdout
    else:
        assert r.returncode == 2 and f"`cfx {cmd}` is not available in this install" in r.stderr, r.stderr
