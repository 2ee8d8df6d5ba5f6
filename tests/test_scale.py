"""Dataset-scale runs end to end, with real processes: `cfx run` alone and under `torchrun` (2 processes, gloo), killed with
SIGKILL at random points and rerun, damaged shards, images changed between runs, damaged manifests, output folders that
cannot be written or are too small (before the run or while a shard is written), and `cfx evaluate`. Every comparison is
of tensors, bit for bit, against an uninterrupted one-process run.

The shared helpers (commands, /proc worker lookup, the kill loop) live in tools/bench_scale.py.
"""
import dataclasses, importlib.util, json, shutil, subprocess, textwrap
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("bench_scale", ROOT / "tools" / "bench_scale.py")
bench = importlib.util.module_from_spec(_spec); _spec.loader.exec_module(bench)

# 320 Fashion-MNIST test images, 10 Auto-FW steps, batches of 16, shards of 16 (20 shards): a few seconds of work
DATA = ["--data", "fashion-mnist:test", "--n", "320", "--steps", "10", "--batch-size", "16", "--quiet"]


def run(cmd, cwd=None, timeout=900):
    return subprocess.run(cmd, env=bench.env(1), capture_output=True, text=True, timeout=timeout, cwd=cwd, stdin=subprocess.DEVNULL)


def cfx(*args, cwd=None): return run(bench.cfx_command(list(args)), cwd=cwd)
def cfx_here(*args):        # in this process, for refusals that stop before any work (a process costs ~2 s to start)
    from test_cli import run_here
    return run_here(ROOT, *args)
def torchrun(*args, nproc=2, module=False, cwd=None): return run(bench.torchrun_command(nproc, list(args), module=module), cwd=cwd)


def tensors(e) -> dict:
    "Every tensor of an explanation: its fields and its history."
    return {**{f.name: getattr(e, f.name) for f in dataclasses.fields(e) if isinstance(getattr(e, f.name), torch.Tensor)}, **e.history}


def assert_same_run(a, b, n):
    "Two run folders hold the same tensors, and every image 0..n-1 exactly once."
    from cfx.scale.runner import load_run
    ea, eb = load_run(a), load_run(b)
    ta, tb = tensors(ea), tensors(eb)
    assert ta.keys() == tb.keys()
    for k in ta: assert ta[k].dtype == tb[k].dtype and torch.equal(ta[k], tb[k]), f"{k} differs between {a} and {b}"
    assert torch.equal(eb.history["index"], torch.arange(n)), "lost or duplicated images"


@pytest.fixture(scope="module")
def ref(tmp_path_factory):
    "The uninterrupted one-process run every other run is compared with."
    out = tmp_path_factory.mktemp("ref") / "run"
    r = cfx("run", *DATA, "--shard-size", "16", "--out", str(out))
    assert r.returncode == 0, r.stderr[-3000:]
    assert "320 images in 20 shards" in r.stdout and "20 shards computed" in r.stdout, r.stdout
    return out


def test_two_processes_and_another_shard_size_give_the_same_tensors(ref, tmp_path):
    r = torchrun("run", *DATA, "--shard-size", "48", "--out", str(tmp_path / "two"))
    assert r.returncode == 0, r.stderr[-3000:]
    m = json.loads((tmp_path / "two" / "manifest.json").read_text())
    assert m["status"] == "complete" and m["invocations"][-1]["world_size"] == 2
    assert {s["rank"] for s in m["shards"]} == {0, 1}                     # both processes wrote shards
    assert_same_run(ref, tmp_path / "two", 320)


def test_kill_a_rank_at_10_random_points_then_resume(ref, tmp_path):
    out = tmp_path / "killed"
    # at most one shard ahead and a start-up delay of at most 1 s: on an idle machine 2 shards ahead and 3 s used up the 20 shards
    # before the tenth kill (a kill after the last shard finds nothing to kill)
    recs = bench.kill_and_resume(["run", *DATA, "--shard-size", "16"], out, kills=10, seed=13, max_shards_ahead=1, max_delay=0.1, startup_delay=1.0, log=print)
    kills = [r for r in recs[:-1] if r["killed"]]
    assert len(kills) == 10, f"only {len(kills)} of 10 kills hit a live worker: {recs}"
    assert all(r["rc"] != 0 for r in kills), "a killed run reported success"
    assert recs[-1]["rc"] == 0 and not recs[-1].get("killed"), recs[-1]["stderr"]
    assert recs[-2]["shards_after"] < 20, "the run was complete before the last kill: the kills came too late to test anything"
    m = json.loads((out / "manifest.json").read_text())
    assert m["status"] == "complete" and len(m["invocations"]) >= 1
    assert not list(out.glob(".*.tmp")), "temporary files left behind"
    assert_same_run(ref, out, 320)


def _flip_low_bit(path, tensor="x"):
    b = bytearray(path.read_bytes()); hl = int.from_bytes(b[:8], "little")
    b[8 + hl + json.loads(b[8:8 + hl])[tensor]["data_offsets"][0]] ^= 1
    path.write_bytes(bytes(b))


def test_truncated_and_corrupt_shards_are_redone(ref, tmp_path):
    out = tmp_path / "damaged"; shutil.copytree(ref, out)
    p3, p7 = out / "shard-000003.safetensors", out / "shard-000007.safetensors"
    p3.write_bytes(p3.read_bytes()[: p3.stat().st_size // 2])            # truncated
    _flip_low_bit(p7)                                                   # one bit of an image
    (out / "shard-000011.safetensors").unlink()                          # missing
    r = cfx("run", *DATA, "--shard-size", "16", "--out", str(out))
    assert r.returncode == 0, r.stderr[-3000:]
    assert "3 shards computed, 17 skipped, 2 redone" in r.stdout, r.stdout
    m = json.loads((out / "manifest.json").read_text())
    assert m["invocations"][-1]["redone"] == [3, 7]
    assert_same_run(ref, out, 320)


def test_other_arguments_are_refused_before_any_work(ref, tmp_path):
    out = tmp_path / "other"; shutil.copytree(ref, out)
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    r = cfx("run", *[("11" if a == "10" else a) for a in DATA], "--shard-size", "16", "--seed", "1", "--out", str(out))
    assert r.returncode == 2
    assert "holds a run made with other arguments" in r.stderr and "params.steps: 10 → 11" in r.stderr and "seed: 0 → 1" in r.stderr, r.stderr
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == before     # nothing written


@pytest.fixture
def mounted(tmp_path):
    "Mount small tmpfs file systems (root only); unmount after."
    points = []
    def mount(opts):
        d = tmp_path / f"mnt{len(points)}"; d.mkdir()
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(d)], capture_output=True, text=True)
        if r.returncode: pytest.skip(f"cannot mount a tmpfs here ({r.stderr.strip()}); this test needs root")
        points.append(d); return d
    yield mount
    for d in points: subprocess.run(["umount", str(d)], capture_output=True)


def test_read_only_output_is_a_clear_error_before_any_work(mounted):
    ro = mounted("ro,size=1m")
    r = cfx("run", *DATA, "--out", str(ro / "run"))
    assert r.returncode == 2 and "is not a folder cfx can write (Read-only file system)" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr


def test_full_disk_is_a_clear_error_before_any_work_in_every_process(mounted):
    small = mounted("size=256k")
    r = torchrun("run", *DATA, "--out", str(small / "run"))
    assert r.returncode != 0
    assert "MiB free but the run needs at least 1.9 MiB for 320 images" in r.stderr, r.stderr[-3000:]
    assert r.stderr.count("needs at least") >= 2                          # both processes stop, with the same message
    assert not list((small / "run").glob("shard-*")), "a shard was written although the run could not fit"


def test_torchrun_needs_the_double_dash_before_cfx_run(tmp_path):
    head = bench.torchrun_command(2, [])[:-3]                             # torchrun's own options, without `-- cfx`
    r = run([*head, "--no-python", bench.cfx_exe(), "run", "--n", "8", "--out", str(tmp_path / "x")])
    assert r.returncode != 0 and "ambiguous option: --n could match --nnodes" in r.stderr, r.stderr[-2000:]
    r = torchrun("run", "--data", "fashion-sample", "--n", "32", "--steps", "1", "--batch-size", "16", "--shard-size", "16",
                 "--out", str(tmp_path / "m"), "--quiet", module=True)   # the `-m -- cfx run` form
    assert r.returncode == 0 and "32 images in 2 shards" in r.stdout, r.stderr[-3000:]


def test_cfx_evaluate_merges_exactly(ref):
    from cfx import zoo
    from cfx.metrics.evaluate import Evaluation, evaluate
    from cfx.scale.runner import load_run
    r = torchrun("evaluate", str(ref))                                   # two processes, each its share of the shards
    assert r.returncode == 0, r.stderr[-3000:]
    assert "oracle_agreement" in r.stdout and "320" in r.stdout, r.stdout
    from cfx.scale.runner import intra_op_threads
    merged = Evaluation.load(ref / "evaluation.json")
    with intra_op_threads(1): assert merged.equals(evaluate(load_run(ref), oracle=zoo.load("fashion/oracle")))


TOY = '''
from cfx.methods.base import Explainer
from cfx.core.results import BatchResult
from cfx.core.checks import check_number

class Jitter(Explainer):
    "A toy random method, outside cfx's registry: each image plus `sigma` times its own Gaussian draw."
    method = "jitter"
    def __init__(self, model, sigma:float=0.3, **kw): super().__init__(model, **kw); self.sigma = check_number(sigma, "sigma", lo=0)
    def params(self): return {"sigma": self.sigma}
    def explain_batch(self, x, target, y, rng, progress):
        progress(1.0)
        return BatchResult(x_cf=(x + self.sigma * rng.randn(*x.shape[1:], device=x.device)).clamp(0, 1))
'''


def test_any_explainer_module_class_one_and_two_processes(tmp_path):
    (tmp_path / "toy_scale_method.py").write_text(textwrap.dedent(TOY))
    args = ["run", "--method", "toy_scale_method:Jitter", "--data", "shapes:n=96,seed=4", "--model", "shapes/classifier",
            "--batch-size", "16", "--set", "sigma=0.2", "--quiet"]
    a = cfx(*args, "--shard-size", "16", "--out", "one", cwd=tmp_path)
    assert a.returncode == 0, a.stderr[-3000:]
    b = torchrun(*args, "--shard-size", "32", "--out", "two", cwd=tmp_path)
    assert b.returncode == 0, b.stderr[-3000:]
    assert_same_run(tmp_path / "one", tmp_path / "two", 96)
    from cfx.scale.runner import load_run
    e = load_run(tmp_path / "one")
    assert e.meta["method"] == "jitter" and e.meta["params"] == {"sigma": 0.2} and len(e.history["label"]) == 96


# ---------------------------------------------------------------- changed data, damaged manifests, failed writes (issue 18 §3)

def same_size_images(d, n=32, seed=0):
    "`n` grey 28×28 images as BMP and uncompressed TIFF files: a new value of any pixel keeps each file's byte size."
    import numpy as np
    from PIL import Image
    d.mkdir(); rng = np.random.default_rng(seed)
    for i in range(n): Image.fromarray(rng.integers(0, 256, (28, 28), dtype=np.uint8)).save(d / f"img{i:02d}.{'bmp' if i % 2 else 'tif'}")
    return d


FOLDER = ["--n", "32", "--steps", "2", "--batch-size", "16", "--shard-size", "16", "--quiet"]


def test_changed_images_of_the_same_size_are_redone(tmp_path):
    import numpy as np
    from PIL import Image
    from cfx.scale.runner import load_run
    from cfx.scale.sources import as_source
    pics = same_size_images(tmp_path / "pics")
    r = cfx("run", "--data", str(pics), *FOLDER, "--out", str(tmp_path / "run"))
    assert r.returncode == 0 and "2 shards computed" in r.stdout, r.stderr[-3000:]
    for name in ("img20.tif", "img21.bmp"):                               # both in shard 1 (images 16 to 31)
        p = pics / name; size = p.stat().st_size
        Image.fromarray(255 - np.asarray(Image.open(p))).save(p)
        assert p.stat().st_size == size
    r = cfx("run", "--data", str(pics), *FOLDER, "--out", str(tmp_path / "run"))
    assert r.returncode == 0, r.stderr[-3000:]
    assert "1 shards computed, 1 skipped, 1 redone" in r.stdout, r.stdout
    assert "redone: shard 1: its images or labels (dataset indices 16 to 31) changed since it was computed" in r.stdout, r.stdout
    e = load_run(tmp_path / "run")
    assert torch.equal(e.x, as_source(pics, shape=(1, 28, 28)).read(0, 32)[0])   # the run holds the images as they are now


def test_data_errors_name_data(tmp_path):
    pics = same_size_images(tmp_path / "pics", n=4)
    (pics / "img01.bmp").write_bytes(b"BM not really a bitmap")
    for data, needle in [(str(pics), f"`--data`: cannot read {str(pics / 'img01.bmp')!r} as an image"),
                         ("cifar10", "`--data` 'cifar10' is neither a folder nor a dataset name"),
                         ("shapes:n", "`--data` 'shapes:n': options must be key=value")]:
        r = (cfx if data == "cifar10" else cfx_here)("run", "--data", data, "--n", "4", "--batch-size", "2", "--out", str(tmp_path / "run"))
        assert r.returncode == 2 and needle in r.stderr and "--images" not in r.stderr and "Traceback" not in r.stderr, r.stderr[-3000:]


def test_damaged_manifest_and_missing_shards_are_refused(ref, tmp_path):
    good = json.loads((ref / "manifest.json").read_text())
    cases = [(lambda m: m["plan"].update(n_shards=10), "`plan.n_shards` is 10 but 320 images in shards of 16 make 20"),
             (lambda m: m.update(shards=m["shards"][:10]), "`shards` lists 10 shards, the plan has 20"),
             (lambda m: m.pop("key"), "`key` is missing")]
    for k, (edit, why) in enumerate(cases):
        out = tmp_path / f"m{k}"; shutil.copytree(ref, out)
        m = json.loads(json.dumps(good)); edit(m); (out / "manifest.json").write_text(json.dumps(m))
        before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
        run_ = cfx if k == 0 else cfx_here                                 # the first case as processes, the others in this one
        for r in (run_("evaluate", str(out)), run_("run", *DATA, "--shard-size", "16", "--out", str(out))):
            assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr[-3000:]
            assert f"{str(out / 'manifest.json')!r} is a damaged run manifest: {why}" in r.stderr, r.stderr
        assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == before     # nothing written, nothing evaluated
    out = tmp_path / "missing"; shutil.copytree(ref, out); (out / "shard-000005.safetensors").unlink()
    for f in ("evaluation.json", "evaluation.md"): (out / f).unlink(missing_ok=True)   # written into `ref` by test_cfx_evaluate_merges_exactly
    r = cfx("evaluate", str(out))
    assert r.returncode == 2 and "lacks 1 of its 20 shards (shard-000005.safetensors)" in r.stderr, r.stderr
    assert not (out / "evaluation.json").exists()


def test_disk_full_while_writing_a_shard(ref, mounted):
    "A real full disk: room for the checks' lower bound (x and x_cf of 16 images, 25 pages) and the manifest (1 page), not for the shard."
    from cfx.scale.runner import load_run
    small = mounted("size=104k")
    args = ["run", *DATA[:2], "--n", "16", "--steps", "10", "--batch-size", "16", "--shard-size", "16", "--quiet", "--out", str(small / "run")]
    r = cfx(*args)
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr[-3000:]
    assert (f"cannot write shard 0 (images 0 to 15) {str(small / 'run' / 'shard-000000.safetensors')!r}: No space left on device; "
            "free some space; then rerun with the same arguments to resume") in r.stderr, r.stderr
    assert sorted(p.name for p in (small / "run").iterdir()) == ["manifest.json"]   # no partial shard, no temporary file
    subprocess.run(["mount", "-o", "remount,size=1m", str(small)], check=True)
    r = cfx(*args)
    assert r.returncode == 0 and "1 shards computed" in r.stdout, r.stderr[-3000:]
    a, b = load_run(small / "run"), load_run(ref)
    assert torch.equal(a.x_cf, b.x_cf[:16]) and torch.equal(a.history["index"], torch.arange(16))


def test_read_only_results_are_refused_before_any_work(ref, mounted):
    ro = mounted("size=4m")
    shutil.copytree(ref, ro / "run")
    (ro / "run" / "evaluation.json").unlink(missing_ok=True); (ro / "run" / "evaluation.md").unlink(missing_ok=True)
    subprocess.run(["mount", "-o", "remount,ro", str(ro)], check=True)
    r = cfx("evaluate", str(ro / "run"))
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr[-3000:]
    assert "is not a folder cfx can write (Read-only file system)" in r.stderr and "oracle_agreement" not in r.stdout, r.stderr
    r = cfx("scores", "0", "--n", "20", "--out", str(ro / "scores"))
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr[-3000:]
    assert f"cannot write `--out` {str(ro / 'scores.safetensors')!r}: Read-only file system; write elsewhere; checked before any work" in r.stderr, r.stderr
    assert "causal scores" not in r.stdout
