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


def imported_modules(stderr: str) -> set:
    "The modules a process imported, from its `-X importtime` report (PYTHONPROFILEIMPORTTIME=1) on stderr."
    return {l.split("|")[-1].strip() for l in stderr.splitlines() if l.startswith("import time:") and "|" in l}


def _help_cases():
    from cfx.cli.main import COMMANDS
    cfx_ = [["--help"], ["help"], ["help", "explain"], *[[c, "--help"] for c in COMMANDS], ["explain", "--batch_size", "8", "--help"]]
    return [("cfx", a) for a in cfx_] + [("python -m cfx", a) for a in (["--help"], ["run", "--help"], ["explain", "--help"])]


@pytest.mark.parametrize("how,args", _help_cases(), ids=lambda v: v if isinstance(v, str) else " ".join(v))
def test_help_paths_do_not_import_torch(how, args):
    "`cfx --help`, `cfx <command> --help`, `cfx help <command>` and `python -m cfx ... --help` answer without importing torch."
    exe = [cfx_exe()] if how == "cfx" else [sys.executable, "-m", "cfx"]
    r = subprocess.run([*exe, *args], capture_output=True, text=True, timeout=300, cwd="/", stdin=subprocess.DEVNULL,
                       env={**os.environ, "COLUMNS": "100", "PYTHONPROFILEIMPORTTIME": "1"})
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.startswith("usage: cfx"), r.stdout[:500]
    mods = imported_modules(r.stderr)
    assert "cfx.cli" in mods, "no import report: was PYTHONPROFILEIMPORTTIME honoured?"
    assert not {m for m in mods if m.split(".")[0] in ("torch", "torchvision", "numpy")}, sorted(m for m in mods if m.startswith(("torch", "numpy")))[:10]


def test_help_from_source_is_the_commands_help():
    "Every registered command's help is built from its source (no import) and is the same text as the imported command's."
    from cfx.cli.main import COMMANDS, command_parser, resolve_command, static_command
    for name, (target, _) in COMMANDS.items():
        stub = static_command(target)
        assert stub is not None, f"`cfx {name} --help` would import {target.split(':')[0]}: its options mention a name static_command cannot resolve"
        assert command_parser(stub, f"cfx {name}").format_help() == command_parser(resolve_command(name), f"cfx {name}").format_help(), name


def test_python_m_cfx_is_the_cfx_command():
    import cfx
    r = subprocess.run([sys.executable, "-m", "cfx", "--version"], capture_output=True, text=True, timeout=300, cwd="/")
    assert r.returncode == 0 and r.stdout.strip() == f"cfx {cfx.__version__}", r.stderr
    r = subprocess.run([sys.executable, "-m", "cfx", "evalute"], capture_output=True, text=True, timeout=300, cwd="/")
    assert r.returncode == 2 and "Did you mean `cfx evaluate`?" in r.stderr, r.stderr


def test_torchrun_m_cfx_run(tmp_path):
    "The form the scale chapter gives: `torchrun ... -m -- cfx run ...` (one process here)."
    pytest.importorskip("torch.distributed.run")
    r = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=1", "-m", "--", "cfx", "run",
                        "--data", "fashion-sample", "--n", "8", "--steps", "1", "--batch-size", "8", "--shard-size", "8",
                        "--out", str(tmp_path / "run"), "--quiet"], capture_output=True, text=True, timeout=600, cwd=str(tmp_path),
                       env={**os.environ, "OMP_NUM_THREADS": "1"}, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "svce on fashion-sample: 8 images in 1 shards" in r.stdout and "(complete;" in r.stdout, r.stdout


def test_threads_is_one_option_with_one_default():
    "Every command that computes takes `--threads`: the same Param (one help text), the same default."
    import inspect
    from cfx.cli.main import COMMANDS, THREADS, resolve_command
    computing = ("explain", "run", "evaluate", "train", "scores", "benchmark")
    for name in computing:
        q = inspect.signature(resolve_command(name), eval_str=True).parameters.get("threads")
        assert q is not None, f"`cfx {name}` has no --threads"
        assert q.annotation is THREADS and q.default == 1, (name, q.annotation, q.default)
    for name in set(COMMANDS) - set(computing):
        assert "threads" not in inspect.signature(resolve_command(name)).parameters, name


def test_bad_threads_and_epochs_are_one_line_errors(tmp_path):
    cases = [(["explain", "--threads", "-1", "--out", "o1"], ["`--threads` must be a whole number ≥ 1, or 0 for torch's default; got -1"]),
             (["run", "--threads", "-1", "--out", "o2"], ["`--threads` must be a whole number ≥ 1"]),
             (["evaluate", "o2", "--threads", "-2"], ["`--threads` must be a whole number ≥ 1"]),
             (["train", "fashion/classifier", "--threads", "-1", "--out", "o3"], ["`--threads` must be a whole number ≥ 1"]),
             (["scores", "Bag", "--n", "8", "--threads", "-1"], ["`--threads` must be a whole number ≥ 1"]),
             (["train", "fashion/classifier", "--epochs", "0", "--out", "o3"], ["`--epochs` must be at least 1, got 0"])]
    results = [run_in(tmp_path, *cases[0][0])] + [run_here(tmp_path, *c[0]) for c in cases[1:]]   # the first as a process
    for (args, needles), r in zip(cases, results):
        usage_error(r, *needles)
    assert not any((tmp_path / o).exists() and any((tmp_path / o).iterdir()) for o in ("o1", "o2", "o3")), "a refused run wrote files"


@pytest.mark.parametrize("cmd,module", [("explain", "cfx.cli.explain"), ("train", "cfx.cli.train"), ("zoo", "cfx.cli.zoo")])
def test_other_commands_help_or_clear_error(cmd, module):
    "Each registered command either shows its help or says clearly that its module is not in this install."
    r = run(cmd, "--help")
    if (ROOT / (module.replace(".", "/") + ".py")).exists():
        assert r.returncode == 0, f"`cfx {cmd} --help` failed:\n{r.stderr[-2000:]}"
        assert f"usage: cfx {cmd}" in r.stdout
    else:
        assert r.returncode == 2 and f"`cfx {cmd}` is not available in this install" in r.stderr, r.stderr


# ---------------------------------------------------------------- cfx explain on real image files, as a user runs it

def run_in(cwd, *args, timeout=600):
    return subprocess.run([cfx_exe(), *args], capture_output=True, text=True, timeout=timeout, cwd=str(cwd),
                          env={**os.environ, "COLUMNS": "100"}, stdin=subprocess.DEVNULL)


def run_here(cwd, *args):
    """`cfx *args` from `cwd`, run in this process through `cfx.cli.main.main`, with the result of `run_in`.

    For the many user errors that stop before any work: the console script is exactly `main` (its tests above run it as a
    process), and a process per case would cost ~2 s of start-up for a message."""
    import contextlib, io, types
    from cfx.cli.main import main
    out, err, here = io.StringIO(), io.StringIO(), os.getcwd()
    try:
        os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try: rc = main(list(args))
            except SystemExit as e: rc = e.code
    finally: os.chdir(here)
    return types.SimpleNamespace(returncode=rc, stdout=out.getvalue(), stderr=err.getvalue())


OUTPUTS = ("explanations.safetensors", "figure.png", "metrics.json", "metrics.md")   # what `cfx explain --out DIR` writes


def explained(cwd, *args, out="out"):
    "Run `cfx *args` from `cwd`, writing to `cwd/out`: it must succeed and write every output; the run and the Explanation it saved."
    r = run_in(cwd, *args)
    assert r.returncode == 0, r.stderr[-3000:]
    for f in OUTPUTS: assert (cwd / out / f).stat().st_size > 0, f
    from cfx.core.results import Explanation
    return r, Explanation.load(cwd / out / "explanations.safetensors")


def usage_error(r, *needles):
    "A user error: exit code 2, one line on stderr that holds every needle, no traceback."
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    assert r.returncode == 2, f"rc={r.returncode}\n{r.stderr[-3000:]}"
    assert "Traceback" not in r.stderr and len(lines) == 1, f"not one line:\n{r.stderr[-3000:]}"
    for n in needles: assert n in lines[0], f"{n!r} not in {lines[0]!r}"


@pytest.fixture(scope="module")
def image_dir(tmp_path_factory):
    "Image files of the kinds users have: grey, RGB, RGBA, 1×1, 500×500, PNG and JPEG, in mixed sizes."
    np = pytest.importorskip("numpy"); Image = pytest.importorskip("PIL.Image")
    d = tmp_path_factory.mktemp("images")
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 256, (28, 28), dtype=np.uint8)).save(d / "grey.png")
    Image.fromarray(rng.integers(0, 256, (40, 30, 3), dtype=np.uint8)).save(d / "rgb.png")
    Image.fromarray(rng.integers(0, 256, (32, 32, 4), dtype=np.uint8)).save(d / "rgba.png")
    Image.fromarray(np.full((1, 1), 200, np.uint8)).save(d / "tiny.png")
    Image.fromarray(rng.integers(0, 256, (500, 500, 3), dtype=np.uint8)).save(d / "big.jpg", quality=90)
    Image.fromarray(rng.integers(0, 256, (28, 28), dtype=np.uint8)).save(d / "grey.jpg")
    (d / "README.txt").write_text("not an image")
    return d


FAST = ["--steps", "3", "--quiet", "--oracle", "none"]


def test_explain_a_folder_of_mixed_images(image_dir, tmp_path):
    r, e = explained(tmp_path, "explain", "--images", str(image_dir), "--out", "out", "--steps", "3", "--quiet")
    for note in ("skipped 1 file(s) that are not images", "resized 500×500 → 28×28: big.jpg", "resized 1×1 → 28×28: tiny.png",
                 "RGBA → RGB (alpha dropped): rgba.png", "RGB → grey (luminance): big.jpg, rgb.png, rgba.png"):
        assert note in r.stderr, f"no notice {note!r} in:\n{r.stderr}"
    assert e.meta["inputs"] == ["big.jpg", "grey.jpg", "grey.png", "rgb.png", "rgba.png", "tiny.png"] and e.x.shape == (6, 1, 28, 28)
    m = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert m["n"] == 6 and m["oracle"] == "fashion/oracle" and "oracle_agreement" in m["means"]


@pytest.mark.parametrize("name", ["grey.png", "rgb.png", "rgba.png", "tiny.png", "big.jpg", "grey.jpg"])
def test_explain_one_image_file(image_dir, tmp_path, name):
    r = run_in(tmp_path, "explain", "--images", str(image_dir / name), "--out", "out", *FAST)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "1 images" in r.stdout and (tmp_path / "out" / "figure.png").exists()


def test_explain_rgb_files_for_a_colour_model(image_dir, tmp_path):
    "The shapes model takes 3×32×32: grey files are repeated to RGB, and say so."
    r = run_in(tmp_path, "explain", "--model", "shapes/robust", "--images", f"{image_dir / 'grey.png'},{image_dir / 'rgb.png'}",
               "--out", "out", *FAST)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "grey → RGB (repeated): grey.png" in r.stderr and "resized 40×30 → 32×32: rgb.png" in r.stderr


def test_explain_n_select_target_by_name(tmp_path):
    _, e = explained(tmp_path, "explain", "--n", "3", "--select", "balanced", "--target", "sneaker", "--out", "out", *FAST)
    assert len(e) == 3 and e.target.tolist() == [7, 7, 7] and e.meta["target_mode"] == "given"


def test_explain_n_larger_than_the_data(image_dir, tmp_path):
    r = run_in(tmp_path, "explain", "--images", str(image_dir / "grey.png"), "--n", "5", "--out", "out", *FAST)
    assert r.returncode == 0 and "`--n 5` but there are only 1 images: explaining all 1" in r.stderr, r.stderr


def test_explain_your_own_model(tmp_path):
    "A module:function factory with safetensors weights, mean/std, class names and size; the same model as TorchScript."
    import torch
    from safetensors.torch import save_file
    (tmp_path / "mynet.py").write_text(
        "import torch\nfrom torch import nn\n"
        "def build():\n    torch.manual_seed(0)\n"
        "    return nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(4), nn.Flatten(), nn.Linear(128, 3))\n")
    sys.path.insert(0, str(tmp_path))
    try:
        import mynet
        net = mynet.build()
    finally: sys.path.remove(str(tmp_path))
    save_file(net.state_dict(), str(tmp_path / "w.safetensors"))
    torch.jit.save(torch.jit.script(net), str(tmp_path / "net.pt"))
    own = ["--mean", "0.5,0.5,0.5", "--std", "0.25,0.25,0.25", "--classes", "cat,dog,fox", "--size", "3x16x16", "--n", "2"]
    r = run_in(tmp_path, "explain", "--model", "mynet:build", "--weights", "w.safetensors", *own, "--target", "fox", "--eps", "1", "--out", "a", *FAST)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "note: the bundled shapes images, resized 32×32 → 16×16" in r.stderr
    r = run_in(tmp_path, "explain", "--model", "net.pt", *own, "--out", "b", *FAST)
    assert r.returncode == 0, r.stderr[-3000:]
    usage_error(run_in(tmp_path, "explain", "--model", "mynet:build", "--weights", "w.safetensors", "--classes", "a,b", "--out", "c", *FAST),
                "`--classes` has 2 names but `--model mynet:build` has 3 classes")
    usage_error(run_in(tmp_path, "explain", "--model", "net.pt", "--size", "64x64x3", "--out", "e", *FAST),       # the H×W×C habit
                "`--size 64x64x3` is C×H×W: 64 channels of 64×3 pixels", "write 3x64x64 (channels first)")
    import pickle
    (tmp_path / "model.pkl").write_bytes(pickle.dumps(net))
    r = run_in(tmp_path, "explain", "--model", "mynet:build", "--weights", "model.pkl", "--out", "d", *FAST)
    usage_error(r, "`--weights model.pkl`: not a safetensors file or a weights-only torch file", "never loads")
    assert "weights_only` set to `False`" not in r.stderr          # never pass on advice to unpickle


def test_explain_refuses_a_random_network_unless_asked(tmp_path):
    "A module:function factory without --weights whose weights change with the seed is an untrained network: refused, or explained with a note."
    (tmp_path / "randnet.py").write_text("from torch import nn\n"
                                         "def build():\n    return nn.Sequential(nn.Conv2d(1, 4, 3), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 3))\n")
    usage_error(run_in(tmp_path, "explain", "--model", "randnet:build", "--size", "1x28x28", "--out", "a", *FAST),
                "`--model randnet:build` builds an untrained network (its weights change with the random seed) and no --weights was given",
                "--random-weights")
    assert not (tmp_path / "a").exists() or not any((tmp_path / "a").iterdir())
    r, e = explained(tmp_path, "explain", "--model", "randnet:build", "--size", "1x28x28", "--random-weights", "--n", "2", "--out", "b", *FAST, out="b")
    assert "note: `--random-weights`: explaining `randnet:build` with the untrained weights it is built with" in r.stderr, r.stderr
    usage_error(run_in(tmp_path, "explain", "--random-weights", "--out", "c", *FAST), "--random-weights apply to your own model")


def test_explain_summary_shows_what_ran(tmp_path):
    "The line after a run lists every setting of the method that ran — the given ones, the --set ones and the defaults."
    r, e = explained(tmp_path, "explain", "--method", "fido", "--n", "1", "--set", "lam=10", "--out", "out", *FAST)
    settings = [l for l in r.stdout.splitlines() if l.strip().startswith("settings:")]
    assert len(settings) == 1 and "method defaults" not in r.stdout, r.stdout
    for kv in ("target=pred", "steps=3", "lam=10", "objective=ssr", "samples=8"):
        assert kv in settings[0], (kv, settings[0])
    assert e.meta["params"]["lam"] == 10 and e.meta["params"]["steps"] == 3
    assert json.loads((tmp_path / "out" / "metrics.json").read_text())["settings"] == settings[0].split("settings:", 1)[1].strip()


def test_explain_user_errors_are_one_line(image_dir, tmp_path):
    (tmp_path / "afile").write_text("x")
    cases = [
        (["--method", "lime"], ["unknown `--method` 'lime'; available: svce"]),
        (["--steps", "many"], ["argument --steps: invalid int value: 'many'"]),
        (["--images", str(tmp_path / "missing.png")], ["`--images`: no file or folder"]),
        (["--images", str(image_dir / "README.txt")], ["`--images`: cannot read", "README.txt"]),
        (["--out", str(tmp_path / "afile")], ["is a file, not a folder"]),
        (["--out", str(tmp_path / "afile" / "sub")], ["is not a folder cfx can write"]),
        (["--model", "fashion/nope"], ["`--model fashion/nope` is neither a zoo model"]),
        (["--target", "cat"], ["`--target` must be a class index 0..9"]),
        (["--set", "lam=2"], ["--method svce has no option 'lam'"]),
        (["--set", "restarts=two"], ["`restarts` takes int, got 'two'"]),
        (["--eps", "-1"], ["`eps`"]),
        (["--device", "tpu"], ["`--device` must be auto, cpu, cuda or cuda:K"]),
        (["--mean", "0.5"], ["--mean apply to your own model"]),
        (["--n", "0"], ["`--n` must be at least 1, got 0"]),
        (["--threads", "-1"], ["`--threads` must be a whole number ≥ 1, or 0 for torch's default; got -1"]),
        (["--method", "fido", "--eps", "2"], ["`--eps` does not apply to --method fido: of the general options it takes --steps, --batch-size;",
                                              "its own options go through --set (infiller, objective,"]),
        (["--method", "disc", "--steps", "4"], ["`steps` = 4 leaves fewer than one step per confidence stage (4): give at least 5"]),   # --steps reaches DISC
    ]
    import torch
    if not torch.cuda.is_available(): cases.append((["--device", "cuda:0"], ["CUDA is not available on this machine"]))
    results = [run_in(tmp_path, "explain", "--out", "out", *FAST, *cases[0][0])] + \
              [run_here(tmp_path, "explain", "--out", "out", *FAST, *c[0]) for c in cases[1:]]            # the first as a process
    for (args, needles), r in zip(cases, results):
        usage_error(r, *needles)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir()), "a failed run left files behind"


def test_explain_does_not_overwrite(tmp_path):
    r = run_in(tmp_path, "explain", "--n", "1", "--out", "out", *FAST)
    assert r.returncode == 0, r.stderr[-3000:]
    before = (tmp_path / "out" / "figure.png").stat().st_mtime_ns
    usage_error(run_in(tmp_path, "explain", "--n", "1", "--out", "out", *FAST), "already holds explanations.safetensors", "--force")
    assert (tmp_path / "out" / "figure.png").stat().st_mtime_ns == before
    r = run_in(tmp_path, "explain", "--n", "1", "--out", "out", "--force", *FAST)
    assert r.returncode == 0 and (tmp_path / "out" / "figure.png").stat().st_mtime_ns != before, r.stderr[-3000:]


def test_explain_help_lists_methods_and_one_spelling():
    r = run("explain", "--help")
    assert r.returncode == 0, r.stderr
    assert "explanation method: svce" in r.stdout and "--batch-size" in r.stdout and "--batch_size" not in r.stdout
    r = run("zoo", "--json")
    assert r.returncode == 0 and isinstance(json.loads(r.stdout), list), r.stderr
    r = run("explain", "--batch_size", "8", "--help")           # the underscore spelling is still understood
    assert r.returncode == 0, r.stderr


def test_installed_modules_pass_pyflakes():
    "The static check of .ci/run, also here: undefined and unused names in the exported modules (the `np` bug class)."
    pyflakes = pytest.importorskip("pyflakes")
    r = subprocess.run([sys.executable, str(ROOT / "tools" / "lint")], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stdout + r.stderr


def test_zoo_user_errors_are_one_line():
    usage_error(run("zoo", "fashion/nope"), "`name` must be one of the zoo's models")
    usage_error(run_here("/", "zoo", "/etc/passwd"), "not a path")                   # the others in this process
    usage_error(run_here("/", "zoo", "fashion/../../x"), "must be '<dataset>/<model>'")


def test_train_own_generator_then_explain_with_it(tmp_path):
    "Issue 20: `cfx train generator --images DIR` on a user's folder, then `--set generator=OUT` and `--set infiller=OUT` use what it wrote."
    from PIL import Image
    from cfx.data.fashion import load_fashion_sample
    xs, _ = load_fashion_sample()
    (tmp_path / "pngs").mkdir()
    for i in range(120): Image.fromarray((xs[i, 0] * 255).round().byte().numpy()).save(tmp_path / "pngs" / f"{i:03d}.png")
    r = run_here(tmp_path, "train", "generator", "--images", "pngs", "--out", "own", "--epochs", "1")
    assert r.returncode in (0, None), r.stderr
    assert "use it with --set generator=own/own-pngs" in r.stdout, r.stdout
    card = json.loads((tmp_path / "own" / "own-pngs" / "generator.json").read_text())
    assert card["reproduce"] == "cfx train generator --images pngs --epochs 1" and card["task"] == "factor-vae"
    r = run_here(tmp_path, "explain", "--method", "latent-attack", "--model", "fashion/classifier", "--set", "generator=own/own-pngs",
                 "--n", "2", "--steps", "3", "--out", "ex", "--quiet")
    assert r.returncode in (0, None), r.stderr
    assert (tmp_path / "ex" / "explanations.safetensors").exists()
    r = run_here(tmp_path, "explain", "--method", "fido", "--model", "fashion/classifier", "--set", "infiller=own", "--n", "2", "--out", "ex2")
    assert r.returncode == 2 and "holds no model card of a infill-vae" in r.stderr, r.stderr
    r = run_here(tmp_path, "train", "generator", "--images", "pngs", "--size", "28x28")
    assert r.returncode == 2 and "must be C×H×W (channels first)" in r.stderr, r.stderr
