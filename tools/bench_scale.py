#!/usr/bin/env python
"""Dataset-scale runs (`cfx run`, `torchrun`): throughput for 1 and 2 processes, time and peak memory against dataset size,
and the kill-and-resume study. Prints figures; never asserts a time (machines are shared and noisy).

  python tools/bench_scale.py                      # full: throughput (2000 images, 10 steps, 3 repeats) and scaling (1k, 5k, 10k; 5 steps)
  python tools/bench_scale.py --smoke              # CI size: 64 images, 1 step, 1 repeat; scaling at 64
  python tools/bench_scale.py --json out.json      # also write the figures as JSON
  python tools/bench_scale.py --part scaling --json tools/results/bench_scale.json   # redo one part, keep the other's figures

Figures:
- throughput: images per second of SVCE (`fashion/robust`, Fashion-MNIST test images, `--steps` Auto-FW steps) inside the
  run (from the first check to the manifest's completion, as each process records it in the manifest; the slowest process
  counts), and over the whole command (with interpreter and torch start-up, torchrun's agent and the model loading), for
  1 process with 1 thread, 1 process with 2 threads, and 2 processes with 1 thread each. The baseline is a bare
  `SVCE.explain` of the same images in this process (1 thread, no shards, no files), run between the repeats
  (interleaved); `vs bare` = the run's in-run throughput / the bare throughput with the same thread count per process.
- scaling: the in-run seconds, seconds per 1000 images and each process's peak resident memory (`ru_maxrss`, in the
  manifest) at 1 000, 5 000 and 10 000 images (shards of 256, so that two processes share even the smallest run), for
  1 and 2 processes, median of `--repeats` runs interleaved by size: time should grow linearly, memory stay flat.

The helpers (`cfx_command`, `torchrun_command`, `workers`, `kill_and_resume`) are also used by tests/test_scale.py and by
the scale chapter's slow cells.
"""
import argparse, json, os, random, signal, statistics, subprocess, sys, tempfile, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def cfx_exe() -> str:
    "The `cfx` console script of this environment."
    here = Path(sys.executable).parent / "cfx"
    return str(here) if here.exists() else "cfx"


def cfx_command(args) -> list:
    "`cfx run ...` in one process."
    return [cfx_exe(), *args]


def torchrun_command(nproc: int, args, module: bool = False) -> list:
    "`torchrun --standalone --nproc_per_node=N --no-python -- cfx ARGS` (or `-m -- cfx ARGS`)."
    head = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={nproc}", "--monitor-interval=0.1"]
    return head + (["-m", "--", "cfx", *args] if module else ["--no-python", "--", cfx_exe(), *args])


def env(threads: int = 1) -> dict:
    return {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads), "PYTHONUNBUFFERED": "1"}


def workers(pid: int) -> list:
    "The worker processes (children) of a torchrun agent, from /proc."
    try: kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError: return []
    return [int(k) for k in kids]


def shard_files(out: Path) -> int:
    return len(list(Path(out).glob("shard-*.safetensors")))


def kill_and_resume(args, out, kills=10, nproc=2, seed=0, max_shards_ahead=2, max_delay=0.1, startup_delay=3.0, timeout=900, log=print) -> list:
    """Run `cfx run ARGS --out OUT` under torchrun `kills` times, each time killing one worker with SIGKILL at a random point,
    then once more to the end. The point: after 0..max_shards_ahead more shard files appeared, plus a random delay (up to
    `max_delay` s, or up to `startup_delay` s when no new shard is awaited: start-up, checks, the manifest, the first shard).
    Returns one record per attempt: when the kill came, whether a live worker was killed, the exit code, the shard files
    before and after."""
    rng, recs = random.Random(seed), []
    for attempt in range(kills + 1):
        before = shard_files(out)
        proc = subprocess.Popen(torchrun_command(nproc, [*args, "--out", str(out)]), env=env(1), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        rec = {"attempt": attempt, "shards_before": before, "killed": False}
        if attempt < kills:
            ahead = rng.randint(0, max_shards_ahead)
            delay = rng.uniform(0, max_delay if ahead else startup_delay)
            rec.update(ahead=ahead, delay=round(delay, 3))
            t0 = time.time()
            while proc.poll() is None and time.time() - t0 < timeout and (not workers(proc.pid) or shard_files(out) < before + ahead):
                time.sleep(0.01)
            time.sleep(delay)
            ws = workers(proc.pid)
            if proc.poll() is None and ws:
                victim = rng.choice(ws)
                try: os.kill(victim, signal.SIGKILL); rec["killed"] = True
                except ProcessLookupError: pass
        try: _, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill(); _, err = proc.communicate()
            rec["timeout"] = True
        rec.update(rc=proc.returncode, shards_after=shard_files(out), stderr=err[-1500:] if proc.returncode else "")
        log(f"attempt {attempt}: " + ", ".join(f"{k}={v}" for k, v in rec.items() if k not in ("attempt", "stderr")))
        recs.append(rec)
    return recs


def _run(cmd, threads, timeout=3600) -> float:
    t0 = time.perf_counter()
    r = subprocess.run(cmd, env=env(threads), capture_output=True, text=True, timeout=timeout)
    if r.returncode: raise RuntimeError(f"{' '.join(cmd)} failed:\n{r.stderr[-3000:]}")
    return time.perf_counter() - t0


def _in_run(out) -> dict:
    "The last invocation's in-run seconds (slowest process) and peak memory per process, from the manifest."
    inv = json.loads((Path(out) / "manifest.json").read_text())["invocations"][-1]
    return {"in_run_s": max(r["seconds"] for r in inv["ranks"]), "peak_rss_mib": [r["peak_rss_mib"] for r in inv["ranks"]],
            "world_size": inv["world_size"]}


CONFIGS = (("1 process, 1 thread", 1, 1), ("1 process, 2 threads", 1, 2), ("2 processes, 1 thread each", 2, 1))


def bare(n, steps, batch, threads) -> float:
    "Seconds of a bare SVCE.explain of the first n test images in this process (the baseline)."
    import torch
    from cfx import zoo
    from cfx.data.fashion import load_fashion_mnist
    from cfx.methods.svce import SVCE
    torch.set_num_threads(threads)
    x = load_fashion_mnist("test")[0][:n]
    sv = SVCE(zoo.load("fashion/robust"), steps=steps, batch_size=batch, show_progress=False)
    t0 = time.perf_counter(); sv.explain(x); return time.perf_counter() - t0


def throughput(n, steps, batch, repeats, tmp) -> list:
    args = ["run", "--data", "fashion-mnist:test", "--n", str(n), "--steps", str(steps), "--batch-size", str(batch), "--quiet"]
    rows = {name: {"config": name, "processes": p, "threads": t, "in_run": [], "wall": [], "bare": []} for name, p, t in CONFIGS}
    for rep in range(repeats):
        for name, p, t in CONFIGS:                 # interleaved: load from other processes hits every configuration alike
            out = Path(tmp) / f"tp-{rep}-{p}-{t}"
            a = [*args, "--out", str(out), "--threads", str(t if p == 1 else 1)]
            wall = _run(torchrun_command(p, a) if p > 1 else cfx_command(a), t)
            rows[name]["wall"].append(wall); rows[name]["in_run"].append(_in_run(out)["in_run_s"])
            rows[name]["bare"].append(bare(n, steps, batch, t if p == 1 else 1))
    out = []
    for r in rows.values():
        in_run, wall, b = statistics.median(r["in_run"]), statistics.median(r["wall"]), statistics.median(r["bare"])
        out.append({"config": r["config"], "processes": r["processes"], "threads": r["threads"], "n": n, "steps": steps,
                    "in_run_s": in_run, "wall_s": wall, "img_per_s": n / in_run, "img_per_s_wall": n / wall,
                    "bare_img_per_s": n / b, "vs_bare": statistics.median(bb / ir for bb, ir in zip(r["bare"], r["in_run"]))})
    return out


def scaling(sizes, steps, batch, nprocs, repeats, tmp, shard=256) -> list:
    got = {(p, n): [] for p in nprocs for n in sizes}
    for rep in range(repeats):
        for n in sizes:                            # interleaved: each repeat goes through every size and process count
            for p in nprocs:
                out = Path(tmp) / f"scale-{rep}-{p}-{n}"
                a = ["run", "--data", "fashion-mnist:test", "--n", str(n), "--steps", str(steps), "--batch-size", str(batch),
                     "--shard-size", str(shard), "--quiet", "--out", str(out)]
                wall = _run(torchrun_command(p, a) if p > 1 else cfx_command(a), 1)
                got[(p, n)].append({**_in_run(out), "wall_s": wall})
    rows = []
    for (p, n), fs in got.items():
        in_run = statistics.median(f["in_run_s"] for f in fs)
        ranks = [max(f["peak_rss_mib"][r] for f in fs) for r in range(p)]
        rows.append({"n": n, "processes": p, "steps": steps, "shard_size": shard, "repeats": repeats, "in_run_s": in_run,
                     "in_run_s_all": [f["in_run_s"] for f in fs], "wall_s": statistics.median(f["wall_s"] for f in fs),
                     "s_per_1000": 1000 * in_run / n, "peak_rss_mib": max(ranks), "peak_rss_mib_ranks": ranks})
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--smoke", action="store_true", help="CI size")
    ap.add_argument("--json", help="write the figures to this file")
    ap.add_argument("--part", choices=("all", "throughput", "scaling"), default="all", help="measure one part only (the other's figures are kept from --json)")
    a = ap.parse_args(argv)
    n, steps, batch, repeats = (64, 1, 32, 1) if a.smoke else (2000, 10, 64, 3)
    sizes, s_steps, s_repeats, shard = ((64,), 1, 1, 32) if a.smoke else ((1000, 5000, 10000), 5, 2, 256)
    import torch
    old = json.loads(Path(a.json).read_text()) if a.json and a.part != "all" and Path(a.json).exists() else {}
    with tempfile.TemporaryDirectory(prefix="cfx-bench-scale-") as tmp:
        tp = throughput(n, steps, batch, repeats, tmp) if a.part in ("all", "throughput") else old["throughput"]
        sc = scaling(sizes, s_steps, batch, (1, 2), s_repeats, tmp, shard) if a.part in ("all", "scaling") else old["scaling"]
    sc = sorted(sc, key=lambda r: (r["processes"], r["n"]))
    res = {"machine": {"cpus": os.cpu_count(), "torch": torch.__version__, "load_average": os.getloadavg(),
                       "note": "shared machine: other jobs ran beside the benchmark"}, "throughput": tp, "scaling": sc}
    print(f"throughput: SVCE fashion/robust, {n} Fashion-MNIST test images, {steps} steps, batch {batch} (median of {repeats})")
    print(f"{'configuration':<28} {'img/s in run':>12} {'img/s whole command':>20} {'bare img/s':>11} {'vs bare':>8}")
    for r in tp: print(f"{r['config']:<28} {r['img_per_s']:>12.1f} {r['img_per_s_wall']:>20.1f} {r['bare_img_per_s']:>11.1f} {r['vs_bare']:>8.2f}")
    print(f"scaling: {sc[0]['steps']} steps, batch {batch}, shards of {sc[0].get('shard_size')}")
    print(f"{'processes':>9} {'images':>7} {'in-run s':>9} {'s / 1000 img':>13} {'peak MiB / process':>19}")
    for r in sc: print(f"{r['processes']:>9} {r['n']:>7} {r['in_run_s']:>9.1f} {r['s_per_1000']:>13.2f} {r['peak_rss_mib']:>19.0f}")
    if a.json:
        Path(a.json).parent.mkdir(parents=True, exist_ok=True)
        Path(a.json).write_text(json.dumps(res, indent=1))
    return res


if __name__ == "__main__":
    main()
