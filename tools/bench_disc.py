#!/usr/bin/env python
"""Benchmark DISC on the engine: seconds per counterfactual per prior, batched; engine efficiency of the pixel prior;
peak memory per image of the network priors.

Prints a table; never asserts a time (machines are shared and noisy). Every figure is a median of `--repeats`
runs made in the same process as its baseline, engine and baseline interleaved.

  python tools/bench_disc.py                 # full: priors pixels, dip, inr; batch 1, 16, 64; default settings; 3 repeats
  python tools/bench_disc.py --smoke         # CI size: batch 2; 3 steps per stage, 3 warm-start steps; 1 repeat
  python tools/bench_disc.py --json out.json # also write the figures as JSON

Figures:
- s/cf: seconds per counterfactual of `DISC.explain` (default settings: 200 warm-start steps for the network priors,
  stages 0.6/0.7/0.8/0.9 of at most 100 steps each), toward the most likely other class, on `fashion/classifier`
  and images of the bundled Fashion-MNIST sample. The stages stop per image, so the cost depends on the images:
  `steps` is the mean number of steps taken per image (warm start included).
- efficiency (pixel prior): time of a bare loop of the same classifier passes on the same images divided by DISC's
  time; median of the per-repeat ratios. DISC runs compacted (a pass scores only the images still in their stage), so
  the bare loop makes, per stage and step, one forward+backward pass (autograd.grad of the target log-probability
  w.r.t. the input, nothing else) on as many images as DISC scored at that step. 1.0 means the engine, the L1 and
  BatchNorm terms and the stage bookkeeping add nothing.
- MiB/img: peak resident memory of a fresh process running that batch size, minus its resident memory just before
  the timed runs (model and data loaded, one warm-up explanation of one image done), divided by the batch size. At
  batch 1 the warm-up already reached the peak, so the figure there is ~0: read the per-image memory at batch 16 and 64.
"""
import argparse, json, os, resource, statistics, sys, time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_svce import bare_loop, in_fresh_process       # the same floor: batched forward+backward passes w.r.t. the input, nothing else


def sample_images(n, seed=0):
    from cfx.data.fashion import load_fashion_sample
    x, _ = load_fashion_sample()
    idx = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))[:n]
    return x[idx]


def measure(prior, batch, repeats, smoke):
    from cfx import zoo
    from cfx.methods.disc import DISC
    torch.manual_seed(0)
    model = zoo.load("fashion/classifier")
    x = sample_images(batch)
    with torch.no_grad(): target = model(x).argsort(-1, descending=True)[:, 1]
    kw = dict(steps=(3, 3, 3, 3, 3)) if smoke else {}
    disc = DISC(model, prior=prior, batch_size=batch, show_progress=False, **kw)
    disc.explain(x[:1], target=target[:1]); bare_loop(model, x[:1], target[:1], 2)          # warm-up
    rss0 = current_rss_kib()
    te, tb, e = [], [], None
    for _ in range(repeats):      # interleaved, so that load from other processes hits both alike
        t0 = time.perf_counter(); e = disc.explain(x, target=target); te.append(time.perf_counter() - t0)
        if prior == "pixels":
            sizes = stage_passes(e)
            t0 = time.perf_counter(); bare_passes(model, x, target, sizes); tb.append(time.perf_counter() - t0)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t = statistics.median(te)
    out = dict(prior=prior, batch=batch, s_per_cf=t / batch, seconds=t, steps=float(e.n_steps.float().mean()),
               success=float(e.success.float().mean()), mib_per_img=(peak - rss0) / 1024 / batch, n_params=n_params(disc, x))
    if tb: out.update(bare_s=statistics.median(tb), passes=len(stage_passes(e)), image_passes=sum(stage_passes(e)), efficiency=statistics.median(b / a for b, a in zip(tb, te)))
    return out


def stage_passes(e):
    """The classifier passes of the confidence stages, as batch sizes: DISC runs compacted (`run(compact=True)`), so pass
    k of a stage scores only the images still in it (an image that leaves after n steps is scored n + 1 times)."""
    sn = e.history["stage_n_steps"]                                       # steps taken up to the end of each stage
    per = sn.diff(dim=1, prepend=torch.full_like(sn[:, :1], int(e.meta["params"]["stage_steps"][0])))
    return [int((per[:, s] >= k).sum()) for s in range(sn.shape[1]) for k in range(int(per[:, s].max()) + 1)]


def bare_passes(model, x, target, sizes):
    "The floor for a compacted run: one bare forward+backward pass per entry of `sizes`, on that many images."
    order = torch.arange(len(x))
    for n in sizes: bare_loop(model, x[order[:n]], target[order[:n]], 1)


def current_rss_kib():
    "Resident memory now (KiB), from /proc (Linux), else the peak so far."
    try:
        with open("/proc/self/status") as f: return next(int(l.split()[1]) for l in f if l.startswith("VmRSS:"))
    except (OSError, StopIteration): return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def n_params(disc, x):
    sp = disc.space_for(x)
    return getattr(sp, "n_params", 0)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--priors", default="pixels,dip,inr")
    ap.add_argument("--batches", default=None, help="comma-separated batch sizes")
    ap.add_argument("--repeats", type=int, default=None)
    ap.add_argument("--smoke", action="store_true", help="tiny sizes for CI")
    ap.add_argument("--json", default=None)
    ap.add_argument("--one", default=None, help=argparse.SUPPRESS)  # internal: measure one prior:batch
    a = ap.parse_args()
    repeats = a.repeats or (1 if a.smoke else 3)
    if a.one:
        prior, b = a.one.split(":")
        print(json.dumps(measure(prior, int(b), repeats, a.smoke))); return
    batches = [int(b) for b in (a.batches or ("2" if a.smoke else "1,16,64")).split(",")]
    rows = []
    for prior in a.priors.split(","):
        for b in batches:  # a fresh process per measurement, so peak memory is that run's own
            rows.append(in_fresh_process(__file__, ["--repeats", repeats, "--one", f"{prior}:{b}"] + (["--smoke"] if a.smoke else []), f"{prior} at batch {b}"))
    print(f"DISC benchmark: fashion/classifier, {'smoke settings' if a.smoke else 'default settings'}, median of {repeats}, "
          f"torch {torch.__version__}, {torch.get_num_threads()} threads, {os.cpu_count()} cores")
    print(f"{'prior':>7} {'batch':>6} {'weights':>8} {'s/cf':>8} {'steps':>7} {'success':>8} {'MiB/img':>8} {'efficiency':>10}")
    for r in rows:
        eff = f"{r['efficiency']:.3f}" if "efficiency" in r else "—"
        print(f"{r['prior']:>7} {r['batch']:>6} {r['n_params']:>8} {r['s_per_cf']:>8.3f} {r['steps']:>7.1f} {r['success']:>8.2f} {r['mib_per_img']:>8.2f} {eff:>10}")
    summary = {"rows": rows}
    for prior in {r["prior"] for r in rows}:
        by = {r["batch"]: r for r in rows if r["prior"] == prior}
        if 1 in by and max(by) != 1:
            summary[f"speedup_{prior}_batch{max(by)}_vs_one"] = by[1]["s_per_cf"] / by[max(by)]["s_per_cf"]
    effs = [r["efficiency"] for r in rows if "efficiency" in r]
    if effs:
        summary["pixel_efficiency_median"] = statistics.median(effs)
        print(f"pixel prior: engine efficiency (bare forward+backward time / DISC time), median over batch sizes: {summary['pixel_efficiency_median']:.3f}")
    for k, v in summary.items():
        if k.startswith("speedup"): print(f"{k}: {v:.1f}x")
    if a.json:
        with open(a.json, "w") as f: json.dump(summary, f, indent=1)


if __name__ == "__main__":
    main()
