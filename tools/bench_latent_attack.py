#!/usr/bin/env python
"""Benchmark the latent attack: batched vs one image at a time, compaction, and the engine's efficiency.

Prints a table; never asserts a time (machines are shared and noisy). Every figure is a median of
`--repeats` runs made in the same process as its baselines, the runs of one repeat interleaved.

  python tools/bench_latent_attack.py                 # full: 64 images, at most 300 steps, 3 repeats
  python tools/bench_latent_attack.py --smoke         # CI size: 4 images, at most 5 steps, 1 repeat
  python tools/bench_latent_attack.py --json out.json # also write the figures as JSON

Setting: the zoo's `fashion/classifier` and `fashion/vae` (latent 16), images of the bundled sample,
target the most likely other class, τ = 0.5 (`tau`), the default loss ('prob') and lr (0.05).

Figures:
- cf/s batched: counterfactuals per second of `LatentAttack.explain` on all images in one batch
  (each step evaluates only the images still searching: the engine's `run(..., compact=True)`, the default).
- cf/s flat: the same search as one engine run of the whole budget (`compact=False`): every image takes
  part in every step until the last one finishes.
- cf/s one at a time: the authors' loop -- for each image, `torch.optim.Adam` on its latent, decoder and
  classifier forward, break at the first crossing, backward, step.
- efficiency (latent space): for a fixed number of steps with no early stop, the time of a bare loop of the
  same decoder + classifier forward and backward passes on the same batch (gradient w.r.t. the latent, a
  sign step) divided by the engine's time (`run` with the `Latent` space, TargetProb and Adam); 1.0 = no
  engine overhead.
"""
import argparse, json, os, statistics, time, warnings

import torch


def setup(n):
    from cfx import zoo
    from cfx.data.fashion import load_fashion_sample
    model, gen = zoo.load("fashion/classifier"), zoo.load("fashion/vae")
    x, _ = load_fashion_sample()
    x = x[torch.randint(0, len(x), (n,), generator=torch.Generator().manual_seed(0))]
    with torch.no_grad(): target = model(x).argsort(-1, descending=True)[:, 1]
    return model, gen, x, target


def one_at_a_time(model, gen, x, target, steps, lr=0.05, tau=0.5):
    "The authors' loop, image by image (their `generate_counterfactual` with Adam, in cfx's [0,1] convention)."
    out = []
    for i in range(len(x)):
        with torch.no_grad(): z = gen.encode(x[i:i + 1])
        z = z.clone().requires_grad_(True)
        opt = torch.optim.Adam([z], lr=lr)
        for _ in range(steps):
            p = model(gen.decode(z)).softmax(-1)[0, target[i]]
            if p >= tau: break
            opt.zero_grad(); (-p).backward(); opt.step()
        out.append(z.detach())
    return torch.cat(out)


def engine_fixed(model, gen, x, target, steps):
    from cfx.core.random import SampleRNG
    from cfx.engine.loop import run, Last
    from cfx.engine.spaces import Latent
    from cfx.engine.terms import TargetProb
    from cfx.engine.steppers import Adam
    sp = Latent(gen)
    return run(model, x, target, sp, [TargetProb()], Adam(lr=0.05), steps, SampleRNG(torch.arange(len(x))), select=Last(), y=target, record=())


def bare_fixed(model, gen, x, target, steps):
    with torch.no_grad(): z = gen.encode(x)
    for _ in range(steps + 1):
        z.requires_grad_(True)
        p = model(gen.decode(z)).softmax(-1).gather(1, target[:, None])[:, 0]
        (g,) = torch.autograd.grad(-p.sum(), z)
        z = z.detach() - 0.05 * g.sign()
    return z


def measure(n, steps, fixed_steps, repeats):
    from cfx.methods.latent_attack import LatentAttack
    warnings.simplefilter("ignore")                 # reconstruction warnings
    model, gen, x, target = setup(n)
    batched = LatentAttack(model, gen, steps=steps, batch_size=n, show_progress=False)
    flat = LatentAttack(model, gen, steps=steps, batch_size=n, compact=False, show_progress=False)
    runs = {"batched": lambda: batched.explain(x, target=target), "flat": lambda: flat.explain(x, target=target),
            "one_at_a_time": lambda: one_at_a_time(model, gen, x, target, steps),
            "engine_fixed": lambda: engine_fixed(model, gen, x, target, fixed_steps), "bare_fixed": lambda: bare_fixed(model, gen, x, target, fixed_steps)}
    for f in runs.values(): f()                     # warm-up
    times = {k: [] for k in runs}
    for _ in range(repeats):                        # interleaved: load from other processes hits all alike
        for k, f in runs.items():
            t0 = time.perf_counter(); f(); times[k].append(time.perf_counter() - t0)
    e = batched.explain(x, target=target)
    med = {k: statistics.median(v) for k, v in times.items()}
    return dict(n=n, steps=steps, fixed_steps=fixed_steps, repeats=repeats, validity=e.validity,
                median_steps=float(e.n_steps.float().median()), max_steps=int(e.n_steps.max()),
                seconds={k: round(v, 4) for k, v in med.items()},
                cf_per_s={k: n / med[k] for k in ("batched", "flat", "one_at_a_time")},
                speedup_batched_vs_one_at_a_time=statistics.median(o / b for o, b in zip(times["one_at_a_time"], times["batched"])),
                speedup_compact_vs_flat=statistics.median(f / b for f, b in zip(times["flat"], times["batched"])),
                efficiency_latent=statistics.median(b / e for b, e in zip(times["bare_fixed"], times["engine_fixed"])))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=None, help="images")
    ap.add_argument("--steps", type=int, default=None, help="step budget of the attack")
    ap.add_argument("--fixed-steps", type=int, default=None, help="steps of the efficiency runs")
    ap.add_argument("--repeats", type=int, default=None)
    ap.add_argument("--smoke", action="store_true", help="tiny sizes for CI")
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    n = a.n or (4 if a.smoke else 64)
    steps = a.steps or (5 if a.smoke else 300)
    fixed = a.fixed_steps or (3 if a.smoke else 50)
    repeats = a.repeats or (1 if a.smoke else 3)
    r = measure(n, steps, fixed, repeats)
    print(f"latent attack benchmark: fashion/classifier + fashion/vae, {n} images, at most {steps} steps, median of {repeats}, "
          f"torch {torch.__version__}, {torch.get_num_threads()} threads, {os.cpu_count()} cores")
    print(f"validity {r['validity']:.2f}, steps to the crossing: median {r['median_steps']:.0f}, max {r['max_steps']}")
    print(f"{'run':>16} {'seconds':>9} {'cf/s':>8}")
    for k in ("batched", "flat", "one_at_a_time"):
        print(f"{k:>16} {r['seconds'][k]:>9.3f} {r['cf_per_s'][k]:>8.1f}")
    print(f"batched vs one at a time: {r['speedup_batched_vs_one_at_a_time']:.2f}x; compacted vs flat: {r['speedup_compact_vs_flat']:.2f}x")
    print(f"engine efficiency on the latent space ({fixed} steps, batch {n}): {r['efficiency_latent']:.3f} (bare loop / engine)")
    if a.json:
        with open(a.json, "w") as f: json.dump(r, f, indent=1)


if __name__ == "__main__":
    main()
