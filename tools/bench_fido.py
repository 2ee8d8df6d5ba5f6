#!/usr/bin/env python
"""Benchmark FIDO on the engine: images explained per second and the engine's efficiency for the mask space.

Prints a table; never asserts a time (machines are shared and noisy). Every figure is a median of `--repeats`
runs made in one process per batch size, FIDO and its baselines interleaved.

  python tools/bench_fido.py                  # full: batch 1, 16, 64; 50 steps; 3 repeats
  python tools/bench_fido.py --smoke          # CI size: batch 1 and 2, 3 steps, 1 repeat
  python tools/bench_fido.py --json out.json  # also write the figures as JSON

Setting: the zoo's plain Fashion-MNIST classifier (SmallCNN, 0.4 M parameters), FIDO's defaults but the step
count (SSR, mean in-fill, 28x28 mask, 8 concrete Monte-Carlo masks per image per step, Adam with the linear
learning-rate decay, the ramped mask-size penalty), `FIDO.explain` end to end (validation, the model probe,
predictions, the engine run, the final render and success). One step scores B*8 renders.

Figures per batch size B:
- images/s: images explained per second (`steps` steps each), through `FIDO.explain`.
- eff. (classifier): time of a bare loop of the same number of classifier forward+backward passes on the same
  number of renders (gradient w.r.t. the input only) / FIDO's time. It counts everything FIDO does besides the
  classifier (concrete sampling from per-image streams, in-fill, composition, the terms, Adam) as overhead.
- eff. (same graph): time of a hand-written loop that builds FIDO's computation graph (torch.rand noise, the same
  concrete masks, in-fill, log-odds and mask size, the same gradient and a plain Adam step) / FIDO's time: what
  the engine and the explainer cost on top of the method's own arithmetic.
"""
import argparse, json, math, os, statistics, sys, time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_svce import bare_loop, in_fresh_process   # the same floor as SVCE's; one measurement per fresh process

S = 8   # Monte-Carlo masks per image per step (FIDO's default)


def setup(batch, steps):
    from cfx import zoo
    from cfx.data.fashion import load_fashion_sample
    from cfx.methods.fido import FIDO
    torch.manual_seed(0)
    model = zoo.load("fashion/classifier")
    x, _ = load_fashion_sample()
    x = x[torch.randint(0, len(x), (batch,), generator=torch.Generator().manual_seed(0))]
    with torch.no_grad(): y = model(x).argmax(-1)
    fido = FIDO(model, infiller="mean", steps=steps, samples=S, batch_size=max(batch, 1), show_progress=False)
    engine = lambda: fido.explain(x, seed=0)

    def same_graph():
        theta = torch.zeros(batch, 1, 28, 28)
        m, v = torch.zeros_like(theta), torch.zeros_like(theta)
        fill = x.mean((2, 3), keepdim=True).expand_as(x).repeat_interleave(S, 0)
        xr, t = x.repeat_interleave(S, 0), y.repeat_interleave(S)
        for s in range(steps + 1):
            theta.requires_grad_(True)
            k = torch.sigmoid(theta)
            u = torch.rand(batch, S, 1, 28, 28).clamp(1e-6, 1 - 1e-6)
            z = torch.sigmoid((theta[:, None] + u.log() - torch.log1p(-u)) / 0.1).reshape(batch * S, 1, 28, 28)
            lp = model(xr * z + (1 - z) * fill).log_softmax(-1)
            lo = lp.gather(1, t[:, None])[:, 0] - lp.masked_fill(F.one_hot(t, 10).bool(), -math.inf).logsumexp(-1)
            loss = (-lo).view(batch, S).mean(1) + 50.0 * min(s / 30, 1.0) * k.flatten(1).mean(1)
            (g,) = torch.autograd.grad(loss.sum(), theta)
            if s == steps: break
            with torch.no_grad():
                m.mul_(0.9).add_(g, alpha=0.1); v.mul_(0.999).addcmul_(g, g, value=0.001)
                lr = 0.05 * (1 - s / steps)
                theta = theta.detach() - lr / (1 - 0.9 ** (s + 1)) * m / ((v / (1 - 0.999 ** (s + 1))).sqrt() + 1e-8)
        with torch.no_grad():
            hard = (torch.sigmoid(theta) >= 0.5).to(x)
            model(x * hard + (1 - hard) * x.mean((2, 3), keepdim=True))

    xb, tb = x.repeat_interleave(S, 0), y.repeat_interleave(S, 0)
    classifier_only = lambda: bare_loop(model, xb, tb, steps + 1)      # the classifier's passes alone, on as many renders
    return engine, same_graph, classifier_only


def measure(batch, steps, repeats):
    engine, same, bare = setup(batch, steps)
    engine(); same(); bare()                                           # warm-up
    te, ts, tb = [], [], []
    for _ in range(repeats):                                           # interleaved: load from other processes hits all alike
        for fn, acc in ((engine, te), (same, ts), (bare, tb)):
            t0 = time.perf_counter(); fn(); acc.append(time.perf_counter() - t0)
    return dict(batch=batch, renders_per_step=batch * S, steps=steps, engine_s=statistics.median(te),
                same_graph_s=statistics.median(ts), classifier_s=statistics.median(tb), images_per_s=batch / statistics.median(te),
                efficiency_classifier=statistics.median(b / e for b, e in zip(tb, te)),
                efficiency_same_graph=statistics.median(s / e for s, e in zip(ts, te)))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--batches", default=None, help="comma-separated batch sizes")
    ap.add_argument("--steps", type=int, default=None)
    ap.add_argument("--repeats", type=int, default=None)
    ap.add_argument("--smoke", action="store_true", help="tiny sizes for CI")
    ap.add_argument("--json", default=None)
    ap.add_argument("--one", type=int, default=None, help=argparse.SUPPRESS)   # internal: one batch size in this process
    a = ap.parse_args()
    steps = a.steps or (3 if a.smoke else 50)
    repeats = a.repeats or (1 if a.smoke else 3)
    if a.one:
        print(json.dumps(measure(a.one, steps, repeats))); return
    batches = [int(b) for b in (a.batches or ("1,2" if a.smoke else "1,16,64")).split(",")]
    rows = []
    for b in batches:                                                  # a fresh process each
        rows.append(in_fresh_process(__file__, ["--steps", steps, "--repeats", repeats, "--one", b], f"batch {b}"))
    print(f"FIDO benchmark: fashion/classifier, mean in-fill, {S} masks per image, {steps} steps, median of {repeats}, "
          f"torch {torch.__version__}, {torch.get_num_threads()} threads, {os.cpu_count()} cores")
    print(f"{'batch':>6} {'renders':>8} {'FIDO s':>8} {'images/s':>9} {'eff. (classifier)':>18} {'eff. (same graph)':>18}")
    for r in rows:
        print(f"{r['batch']:>6} {r['renders_per_step']:>8} {r['engine_s']:>8.3f} {r['images_per_s']:>9.2f} "
              f"{r['efficiency_classifier']:>18.3f} {r['efficiency_same_graph']:>18.3f}")
    if a.json:
        with open(a.json, "w") as f: json.dump({"rows": rows, "steps": steps, "repeats": repeats, "threads": torch.get_num_threads()}, f, indent=1)


if __name__ == "__main__":
    main()
