#!/usr/bin/env python
"""Benchmark SVCE on the engine: throughput, engine efficiency, peak memory, batching speed-up.

Prints a table; never asserts a time (machines are shared and noisy). Every figure is a median of
`--repeats` runs made in the same process as its baseline.

  python tools/bench_svce.py                 # full: batch 1, 16, 64, 256; 75 steps; 5 repeats
  python tools/bench_svce.py --smoke         # CI size: batch 1, 4; 5 steps; 1 repeat
  python tools/bench_svce.py --json out.json # also write the figures as JSON

Figures:
- cf/s: counterfactuals per second of `SVCE.explain` (75 AFW steps each, 76 forward+backward passes).
- efficiency: time of a bare loop of the same number of forward+backward passes on the same batch
  (autograd.grad of the target log-probability w.r.t. the input, nothing else) divided by the engine's
  time for the same work, median of the per-repeat ratios (engine and bare runs interleaved); 1.0 means
  the engine adds nothing. `eff min-max` is the spread of those per-repeat ratios (the noise of the machine).
- engine us/step: the engine's own cost per step, measured where the model costs almost nothing: the same
  `SVCE.explain` and bare loop on a linear classifier of the same input size (engine time - bare time,
  medians, divided by the passes). It is what the efficiency loses, without the noise of the model's time.
- steady eff.: the efficiency that cost implies, bare / (bare + passes x engine us/step + the model's passes that
  `explain` makes outside the loop: one image's forward+backward to check the model, and the batch's forward for
  the probabilities before and after). On a shared machine the measured efficiency of one run can stray by 10 %
  either way (even above 1, when the bare loop is the unlucky one); this estimate moves much less (a few per cent), but it assumes the
  engine's cost adds to the model's and nothing else.
- peak MiB: peak resident memory of a fresh process running that batch size, minus the same process's
  resident memory before the run (models and data loaded).
- speed-up: batch 64 throughput over one image at a time (64 calls at batch 1).
"""
import argparse, json, os, resource, statistics, subprocess, sys, time

import torch


def load_model(name):
    "The zoo model to benchmark (falls back to nothing: the zoo must be installed)."
    from cfx import zoo
    return zoo.load(name)


def sample_images(n, seed=0):
    from cfx.data.fashion import load_fashion_sample
    x, y = load_fashion_sample()
    g = torch.Generator().manual_seed(seed)
    idx = torch.randint(0, len(x), (n,), generator=g)
    return x[idx], y[idx]


def bare_loop(model, x, target, passes):
    "The floor: `passes` forward+backward passes of the batch, gradients w.r.t. the input only."
    xx = x.clone()
    for _ in range(passes):
        xx.requires_grad_(True)
        loss = -model(xx).log_softmax(-1).gather(1, target[:, None]).sum()
        (g,) = torch.autograd.grad(loss, xx)
        xx = (xx.detach() + 1e-3 * g.sign()).clamp(0, 1)
    return xx


def in_fresh_process(script, args, what):
    "Run `python script args` in a fresh process (so its peak memory is that measurement's own); the JSON of its last line."
    res = subprocess.run([sys.executable, str(script), *map(str, args)], capture_output=True, text=True)
    if res.returncode: sys.exit(f"benchmark of {what} failed:\n{res.stderr}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def timed(fn, repeats):
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter(); fn(); ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


def engine_and_bare(model, x, steps, repeats):
    "Per-repeat times of `SVCE.explain` and of the bare loop on the same batch, interleaved (load from other processes hits both alike)."
    from cfx.methods.svce import SVCE
    with torch.no_grad(): target = model(x).argsort(-1, descending=True)[:, 1]
    sv = SVCE(model, steps=steps, batch_size=len(x), show_progress=False)
    sv.explain(x[:1], target=target[:1]); bare_loop(model, x[:1], target[:1], 2)     # warm-up
    te, tb = [], []
    for _ in range(repeats):
        te.append(timed(lambda: sv.explain(x, target=target), 1))
        tb.append(timed(lambda: bare_loop(model, x, target, steps + 1), 1))
    return te, tb


def near_free_model(x, k=10):
    "A linear classifier of `x`'s size: its passes cost almost nothing, so what is left of the engine's time is the engine's own."
    from cfx.core.models import Classifier
    torch.manual_seed(0)
    return Classifier(torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(x[0].numel(), k)).eval())


def measure(model_name, batch, steps, repeats):
    "One batch size: engine time, bare-loop time, peak memory, the engine's own cost per step (run in a fresh process by `main`)."
    torch.manual_seed(0)
    model = load_model(model_name)
    x, _ = sample_images(batch)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    te, tb = engine_and_bare(model, x, steps, repeats)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    fe, fb = engine_and_bare(near_free_model(x), x, steps, max(repeats, 5))
    with torch.no_grad(): t_fwd = timed(lambda: model.probs(x), 5)
    t_probe = timed(lambda: bare_loop(model, x[:1], torch.zeros(1, dtype=torch.long), 1), 5)
    t_engine, t_bare = statistics.median(te), statistics.median(tb)
    ratios = [b / e for b, e in zip(tb, te)]
    out = dict(batch=batch, steps=steps, engine_s=t_engine, bare_s=t_bare, cf_per_s=batch / t_engine,
               efficiency=statistics.median(ratios), efficiency_min=min(ratios), efficiency_max=max(ratios),
               peak_mib=(peak - rss0) / 1024,
               engine_us_per_step=(statistics.median(fe) - statistics.median(fb)) / (steps + 1) * 1e6)
    outside = 2 * t_fwd + t_probe                     # the model's passes `explain` makes outside the loop
    out["steady_efficiency"] = t_bare / (t_bare + max(out["engine_us_per_step"], 0) * 1e-6 * (steps + 1) + outside)
    if batch == 1:  # one image at a time, for the batching speed-up
        out["one_at_a_time_per_img_s"] = t_engine
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="fashion/robust")
    ap.add_argument("--batches", default=None, help="comma-separated batch sizes")
    ap.add_argument("--steps", type=int, default=None)
    ap.add_argument("--repeats", type=int, default=None)
    ap.add_argument("--smoke", action="store_true", help="tiny sizes for CI")
    ap.add_argument("--json", default=None)
    ap.add_argument("--one", default=None, help=argparse.SUPPRESS)  # internal: measure one batch size
    a = ap.parse_args()
    steps = a.steps or (5 if a.smoke else 75)
    repeats = a.repeats or (1 if a.smoke else 5)
    if a.one:
        print(json.dumps(measure(a.model, int(a.one), steps, repeats))); return
    batches = [int(b) for b in (a.batches or ("1,4" if a.smoke else "1,16,64,256")).split(",")]
    rows = []
    for b in batches:  # a fresh process per batch size, so peak memory is that batch's own
        rows.append(in_fresh_process(__file__, ["--model", a.model, "--steps", steps, "--repeats", repeats, "--one", b], f"batch {b}"))
    print(f"SVCE benchmark: model {a.model}, {steps} AFW steps, median of {repeats}, torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads, {os.cpu_count()} cores")
    print(f"{'batch':>6} {'engine s':>9} {'bare s':>8} {'cf/s':>8} {'efficiency':>10} {'eff min-max':>12} {'peak MiB':>9} {'engine us/step':>15} {'steady eff.':>12}")
    for r in rows:
        print(f"{r['batch']:>6} {r['engine_s']:>9.3f} {r['bare_s']:>8.3f} {r['cf_per_s']:>8.1f} {r['efficiency']:>10.3f} "
              f"{r['efficiency_min']:>5.3f}-{r['efficiency_max']:<6.3f} {r['peak_mib']:>9.1f} {r['engine_us_per_step']:>15.0f} {r['steady_efficiency']:>12.3f}")
    by = {r["batch"]: r for r in rows}
    summary = {"rows": rows}
    big = 64 if 64 in by else max(by)
    if 1 in by and big != 1:
        speedup = by[big]["cf_per_s"] / by[1]["cf_per_s"]
        summary[f"speedup_batch{big}_vs_one_at_a_time"] = speedup
        print(f"speed-up of batch {big} over one image at a time: {speedup:.1f}x")
    summary["median_efficiency"] = statistics.median(r["efficiency"] for r in rows)
    print(f"engine efficiency (bare forward+backward time / engine time), median over batch sizes: {summary['median_efficiency']:.3f}")
    if a.json:
        with open(a.json, "w") as f: json.dump(summary, f, indent=1)


if __name__ == "__main__":
    main()
