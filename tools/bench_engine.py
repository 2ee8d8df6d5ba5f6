#!/usr/bin/env python
"""Benchmark the engine's mask and latent spaces: throughput and overhead against bare loops.

Prints a table; never asserts a time (machines are shared and noisy). Every figure is a median of
`--repeats` runs made in the same process as its baselines, engine and bare runs interleaved.

  python tools/bench_engine.py                 # full: mask and latent spaces, batch 16 and 64, 50 steps, 3 repeats
  python tools/bench_engine.py --smoke         # CI size: batch 2, 3 steps, 1 repeat
  python tools/bench_engine.py --json out.json # also write the figures as JSON

Spaces, on the zoo's plain Fashion-MNIST classifier (SmallCNN, 0.6 M parameters):
- mask:   FIDO's search: 28x28 keep logits, 8 concrete Monte-Carlo masks per image per step, per-image mean
          in-fill, log-odds + mask size, Adam. One step scores B*8 renders.
- latent: a counterfactual attack: the zoo's Fashion-MNIST VAE decoder (latent 16), target probability, Adam.

Figures per space and batch size B:
- explanations/s: images explained per second (`steps` steps each).
- eff. (classifier): time of a bare loop of the same number of classifier forward+backward passes on the
  same number of renders (gradient w.r.t. the input only) / engine time -- the ratio the issue asks for;
  it counts the space's own rendering (concrete masks and in-fill; the decoder) as engine cost.
- eff. (same graph): time of a bare loop that builds the same computation graph by hand (the same mask
  sampling and composition; decoder + classifier) and takes the same gradient / engine time -- what the
  engine's bookkeeping costs on top of the method's own arithmetic.
"""
import argparse, json, math, os, statistics, sys, time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_svce import bare_loop, in_fresh_process   # the same floor as SVCE's; one measurement per fresh process


def setup(space, batch, steps):
    from cfx import zoo
    from cfx.core.random import SampleRNG
    from cfx.core.models import MeanInFill
    from cfx.data.fashion import load_fashion_sample
    from cfx.engine.loop import run, Last
    from cfx.engine.spaces import Mask, Latent
    from cfx.engine.terms import LogOdds, MaskSize, TargetProb
    from cfx.engine.steppers import Adam
    torch.manual_seed(0)
    model = zoo.load("fashion/classifier")
    x, _ = load_fashion_sample()
    x = x[torch.randint(0, len(x), (batch,), generator=torch.Generator().manual_seed(0))]
    with torch.no_grad(): y = model(x).argmax(-1)
    seeds = torch.arange(batch)
    if space == "mask":
        S = 8
        sp = Mask(MeanInFill(), size=None, samples=S)
        engine = lambda: run(model, x, y, sp, [LogOdds(), MaskSize(weight=1.0)], Adam(lr=0.05), steps, SampleRNG(seeds), select=Last(), y=y)
        def same_graph():
            theta = torch.zeros(batch, 1, 28, 28)
            fill = x.mean((2, 3), keepdim=True).expand_as(x).repeat_interleave(S, 0)
            xr = x.repeat_interleave(S, 0)
            for _ in range(steps + 1):
                theta.requires_grad_(True)
                k = torch.sigmoid(theta)
                u = torch.rand(batch, S, 1, 28, 28).clamp(1e-6, 1 - 1e-6)
                z = torch.sigmoid((theta[:, None] + u.log() - torch.log1p(-u)) / 0.1).reshape(batch * S, 1, 28, 28)
                xh = xr * z + (1 - z) * fill
                lp = model(xh).log_softmax(-1)
                t = y.repeat_interleave(S)
                s = lp.gather(1, t[:, None])[:, 0] - lp.masked_fill(F.one_hot(t, 10).bool(), -math.inf).logsumexp(-1)
                loss = (-s).view(batch, S).mean(1) + k.flatten(1).mean(1)
                (g,) = torch.autograd.grad(loss.sum(), theta)
                theta = (theta.detach() - 0.05 * g.sign())
        renders = batch * S
    else:
        gen = zoo.load("fashion/vae")
        sp = Latent(gen)
        t = (y + 1) % 10
        engine = lambda: run(model, x, t, sp, [TargetProb()], Adam(lr=0.1), steps, SampleRNG(seeds), select=Last(), y=y)
        def same_graph():
            with torch.no_grad(): z = gen.encode(x)
            for _ in range(steps + 1):
                z.requires_grad_(True)
                p = model(gen.decode(z)).softmax(-1).gather(1, t[:, None])[:, 0]
                (g,) = torch.autograd.grad(-p.sum(), z)
                z = (z.detach() - 0.1 * g.sign())
        renders = batch
    xb = x.repeat_interleave(renders // batch, 0)
    tb = y.repeat_interleave(renders // batch, 0)
    classifier_only = lambda: bare_loop(model, xb, tb, steps + 1)      # the classifier's passes alone, on as many renders
    return engine, same_graph, classifier_only, renders


def measure(space, batch, steps, repeats):
    engine, same, bare, renders = setup(space, batch, steps)
    engine(); same(); bare()                                           # warm-up
    te, ts, tb = [], [], []
    for _ in range(repeats):                                           # interleaved: load from other processes hits all alike
        for fn, acc in ((engine, te), (same, ts), (bare, tb)):
            t0 = time.perf_counter(); fn(); acc.append(time.perf_counter() - t0)
    return dict(space=space, batch=batch, renders_per_step=renders, steps=steps, engine_s=statistics.median(te),
                same_graph_s=statistics.median(ts), classifier_s=statistics.median(tb),
                explanations_per_s=batch / statistics.median(te),
                efficiency_classifier=statistics.median(b / e for b, e in zip(tb, te)),
                efficiency_same_graph=statistics.median(s / e for s, e in zip(ts, te)))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--spaces", default="mask,latent")
    ap.add_argument("--batches", default=None, help="comma-separated batch sizes")
    ap.add_argument("--steps", type=int, default=None)
    ap.add_argument("--repeats", type=int, default=None)
    ap.add_argument("--smoke", action="store_true", help="tiny sizes for CI")
    ap.add_argument("--json", default=None)
    ap.add_argument("--one", default=None, help=argparse.SUPPRESS)     # internal: space:batch in this process
    a = ap.parse_args()
    steps = a.steps or (3 if a.smoke else 50)
    repeats = a.repeats or (1 if a.smoke else 3)
    if a.one:
        sp, b = a.one.split(":"); print(json.dumps(measure(sp, int(b), steps, repeats))); return
    batches = [int(b) for b in (a.batches or ("2" if a.smoke else "16,64")).split(",")]
    rows = []
    for sp in a.spaces.split(","):
        for b in batches:                                              # a fresh process each
            rows.append(in_fresh_process(__file__, ["--steps", steps, "--repeats", repeats, "--one", f"{sp}:{b}"], f"{sp} at batch {b}"))
    print(f"engine benchmark: fashion/classifier, {steps} steps, median of {repeats}, torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads, {os.cpu_count()} cores")
    print(f"{'space':>7} {'batch':>6} {'renders':>8} {'engine s':>9} {'expl/s':>8} {'eff. (classifier)':>18} {'eff. (same graph)':>18}")
    for r in rows:
        print(f"{r['space']:>7} {r['batch']:>6} {r['renders_per_step']:>8} {r['engine_s']:>9.3f} {r['explanations_per_s']:>8.1f} "
              f"{r['efficiency_classifier']:>18.3f} {r['efficiency_same_graph']:>18.3f}")
    if a.json:
        with open(a.json, "w") as f: json.dump({"rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
