#!/usr/bin/env python
"""How DISC's defaults were chosen: held-out classifiers, a plain reference stage loop, and the comparison.

DISC's step sizes, proximity weight and budgets are chosen here on Fashion-MNIST classifiers that cfx never shows:
`HELDOUT` is a recipe for five of them (two MLPs, a CNN without normalisation, a CNN with BatchNorm, a LeNet-like
CNN; other widths and seeds than the zoo's), each trained for 1-2 epochs on the CPU (seeded, ~85-90 % test accuracy).
Their weights are not shipped: `heldout(name)` trains one (a minute or two) and caches it under `--cache`
(default ~/.cache/cfx/disc-heldout); the figures they gave are stored in tools/results/disc_defaults.json and quoted
in the DISC chapter ("How the defaults were chosen").

`reference` is a plain stage loop to compare cfx against, written as one would without cfx: per image, its own
prior network (or its pixels), `torch.optim.Adam` on it (one optimiser through all stages), the loss
`−log p(t | x̄) + l1 · mean|x̄ − x|`, an MSE warm start for the network priors, and per stage: stop as soon as
`p(t | x̄) ≥ q`, else take a step, at most `steps_per_stage` steps.

  python tools/disc_defaults.py --train                # train (or load) the held-out models, print their accuracy
  python tools/disc_defaults.py --compare              # the before/after table: reference vs cfx, old and new defaults
  python tools/disc_defaults.py --sweep                # the sweeps behind the new defaults (lr per prior, l1, ...)
  python tools/disc_defaults.py --compare --json tools/results/disc_defaults.json   # also store the figures
  python tools/disc_defaults.py --compare --n 8 --models mlp-256                       # smaller

Figures per (model, prior, run): `reached q` = images whose stage-q image has p(t | x̄) ≥ q (budget `steps_per_stage`
per stage), `steps@0.8` = mean steps of the confidence stages up to the end of stage 0.8 (an image that never got
there counts its whole budget), `steps` = mean steps of all confidence stages (warm start excluded), `l1/px` = mean
|x_cf − x| per pixel of the final image. Targets: each image's most likely other class. Images: the first `--n` of a
fixed permutation (seed 1) of the bundled Fashion-MNIST test sample.
"""
import argparse, copy, json, math, os, sys, time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

STAGES = (0.6, 0.7, 0.8, 0.9)
PRIOR_NAMES = ("pixels", "dip", "inr")

# ------------------------------------------------------------------ held-out classifiers (a recipe, not shipped weights)

def _mlp(*widths):
    layers, d = [nn.Flatten()], 28 * 28
    for w in widths: layers += [nn.Linear(d, w), nn.ReLU()]; d = w
    return nn.Sequential(*layers, nn.Linear(d, 10))

def _smallcnn(**kw):
    from cfx.zoo.nets import SmallCNN
    return SmallCNN(in_channels=1, n_classes=10, img_size=28, **kw)

def _lenet(**kw):
    from cfx.zoo.nets import LeNetCNN
    return LeNetCNN(in_channels=1, n_classes=10, img_size=28, **kw)

# name -> (builder, seed, epochs, normalise inside the wrapper, description). The zoo's fashion/classifier is a
# SmallCNN (32, 64, 128) with BatchNorm, seed 0; its oracle a LeNetCNN (32, 64), seed 7: none of these is either.
HELDOUT = {
    "mlp-256":   (lambda: _mlp(256, 128), 101, 2, False, "MLP 784-256-128-10, ReLU, raw [0, 1] input"),
    "mlp-100":   (lambda: _mlp(100), 102, 1, True, "MLP 784-100-10, ReLU, normalised input"),
    "cnn-16":    (lambda: _smallcnn(widths=(16, 32, 64), hidden=64, batchnorm=False, dropout=0.0), 103, 1, True, "SmallCNN (16, 32, 64), no normalisation layers"),
    "cnn-bn-24": (lambda: _smallcnn(widths=(24, 48, 96), hidden=128, batchnorm=True), 104, 1, True, "SmallCNN (24, 48, 96) with BatchNorm"),
    "lenet-16":  (lambda: _lenet(widths=(16, 32), hidden=128, dropout=0.0), 105, 2, True, "LeNet-like: 5x5 convs, average pooling, ELU (16, 32)"),
    "mlp-noise": (lambda: _mlp(512), 106, 3, True, "MLP 784-512-10 trained on noisy images (Gaussian, σ = 0.3): smoother, harder to move"),
}
NOISE = {"mlp-noise": 0.3}      # Gaussian noise added to the training images (a cheap way to a less fragile model)
FASHION_MEAN, FASHION_STD = 0.2860, 0.3530


def train_heldout(name, epochs=None, show=True):
    "Train held-out model `name` by its recipe: Adam 2e-3, batch 128, no augmentation, seeded; returns (net, test accuracy)."
    from cfx.data.fashion import load_fashion_mnist
    build, seed, ep, norm, _ = HELDOUT[name]
    x, y = load_fashion_mnist("train")
    torch.manual_seed(seed)
    net = build()
    pre = (lambda z: (z - FASHION_MEAN) / FASHION_STD) if norm else (lambda z: z)
    opt = torch.optim.Adam(net.parameters(), lr=2e-3)
    g = torch.Generator().manual_seed(seed)
    t0 = time.time()
    for e in range(epochs or ep):
        net.train()
        perm = torch.randperm(len(x), generator=g)
        for i in range(0, len(x), 128):
            b = perm[i:i + 128]
            xb = x[b] if name not in NOISE else x[b] + NOISE[name] * torch.randn(x[b].shape, generator=g)
            loss = F.cross_entropy(net(pre(xb)), y[b])
            opt.zero_grad(); loss.backward(); opt.step()
    net.eval()
    acc = test_accuracy(wrap(net, name))
    if show: print(f"trained {name}: {epochs or ep} epoch(s), test accuracy {acc:.3f} ({time.time() - t0:.0f} s)", file=sys.stderr)
    return net, acc


def wrap(net, name):
    from cfx.core.models import Classifier
    from cfx.data.fashion import FASHION_CLASSES
    norm = HELDOUT[name][3]
    return Classifier(net, mean=FASHION_MEAN if norm else None, std=FASHION_STD if norm else None, class_names=list(FASHION_CLASSES))


def test_accuracy(model):
    from cfx.data.fashion import load_fashion_mnist
    xt, yt = load_fashion_mnist("test")
    with torch.no_grad(): return float(torch.cat([model.predict(xt[i:i + 1000]) for i in range(0, len(xt), 1000)]).eq(yt).float().mean())


def default_cache(): return Path(os.environ.get("CFX_DISC_HELDOUT", Path.home() / ".cache" / "cfx" / "disc-heldout"))


def heldout(name, cache=None):
    "Held-out model `name` as a `Classifier`, trained by its recipe on first use and cached (safetensors) in `cache`."
    from safetensors.torch import load_file, save_file
    cache = Path(cache or default_cache()); f = cache / f"{name}.safetensors"
    if f.exists():
        net = HELDOUT[name][0](); net.load_state_dict(load_file(str(f))); net.eval()
        acc = json.loads((cache / f"{name}.json").read_text())["test_accuracy"]
    else:
        net, acc = train_heldout(name)
        cache.mkdir(parents=True, exist_ok=True)
        save_file({k: v.contiguous() for k, v in net.state_dict().items()}, str(f))
        (cache / f"{name}.json").write_text(json.dumps(dict(name=name, test_accuracy=acc)))
    m = wrap(net.requires_grad_(False), name)
    m.heldout_name, m.test_accuracy = name, acc
    return m

# ------------------------------------------------------------------ the plain reference stage loop

def _prior_net(prior, x):
    "The same prior architectures as cfx (cfx.methods.disc.DIPNet / INRNet), started from the same fixed draw."
    from cfx.methods.disc import DIPNet, INRNet, _PRIOR_SEED
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(_PRIOR_SEED)
        return DIPNet(x.shape[1]) if prior == "dip" else INRNet(x.shape[1], tuple(x.shape[-2:]))


def _prior_input(prior, x, seed):
    from cfx.methods.disc import default_sigma
    g = torch.Generator().manual_seed(seed)
    if prior == "dip": return 0.1 * torch.randn(1, 8, *x.shape[-2:], generator=g)
    return default_sigma(*x.shape[-2:]) * torch.randn(1, 32, 2, generator=g)


def reference(model, x, target, prior="pixels", stages=STAGES, steps_per_stage=40, lr=0.01, l1=5.0,
              warm_start_steps=200, warm_start_lr=0.01):
    "The plain stage loop, one image at a time. Returns dict(p=N×S stage probabilities, steps=N×S cumulative steps, x_cf)."
    P, Ssteps, out = [], [], []
    for i in range(len(x)):
        xi, t = x[i:i + 1], int(target[i])
        if prior == "pixels":
            v = xi.clone().requires_grad_(True); params = [v]
            render = lambda: v
        else:
            net, u = _prior_net(prior, xi), _prior_input(prior, xi, i)
            params = list(net.parameters())
            render = lambda: net(u)
            opt = torch.optim.Adam(params, lr=warm_start_lr)
            for _ in range(warm_start_steps):
                loss = F.mse_loss(render(), xi)
                opt.zero_grad(); loss.backward(); opt.step()
        opt = torch.optim.Adam(params, lr=lr)
        steps, ps, ss = 0, [], []
        for q in stages:
            for s in range(steps_per_stage + 1):
                xh = render()
                logp = model(xh).log_softmax(-1)[0, t]
                if logp.exp().item() >= q or s == steps_per_stage: break
                loss = -logp + l1 * (xh - xi).abs().mean()
                opt.zero_grad(); loss.backward(); opt.step(); steps += 1
                if prior == "pixels":
                    with torch.no_grad(): v.clamp_(0, 1)
            ps.append(logp.exp().item()); ss.append(steps)
        P.append(ps); Ssteps.append(ss); out.append(xh.detach())
    return dict(p=torch.tensor(P), steps=torch.tensor(Ssteps), x_cf=torch.cat(out))


def cfx_run(model, x, target, prior="pixels", stages=STAGES, steps_per_stage=40, **kw):
    "cfx's DISC with `kw` on top of its defaults, in the same form as `reference`."
    from cfx.methods.disc import DISC
    warm = kw.pop("warm_start_steps", 200)                       # this tool's own words; DISC takes the budgets as one `steps`
    d = DISC(model, prior=prior, stages=stages, steps=(warm, *[steps_per_stage] * len(stages)), show_progress=False, **kw)
    e = d.explain(x, target=target, seed=0)
    w = d.params()["stage_steps"][0]
    return dict(p=e.history["stage_p_target"], steps=e.history["stage_n_steps"] - w, x_cf=e.x_cf, params=d.params())


_ORACLE = []

def oracle_agreement(x_cf, target):
    "Share of counterfactuals the zoo's independent `fashion/oracle` (a LeNet, never one of the explained models) calls the target."
    if not _ORACLE: _ORACLE.append(_zoo("fashion/oracle"))
    with torch.no_grad(): return float((_ORACLE[0].predict(x_cf) == target).float().mean())


def summarise(r, x, target=None, stages=STAGES):
    q = torch.tensor(stages)
    reached = (r["p"] >= q - 1e-9).sum(0).tolist()
    s8 = stages.index(0.8) if 0.8 in stages else len(stages) - 1
    out = dict(n=len(x), reached=dict(zip([f"{v:g}" for v in stages], reached)),
               steps_08=round(float(r["steps"][:, s8].float().mean()), 1), steps=round(float(r["steps"][:, -1].float().mean()), 1),
               l1_px=round(float((r["x_cf"] - x).abs().mean()), 4))
    if target is not None: out["oracle"] = round(oracle_agreement(r["x_cf"], target), 3)
    return out


def images(n, seed=1):
    from cfx.data.fashion import load_fashion_sample
    xs, _ = load_fashion_sample()
    return xs[torch.randperm(len(xs), generator=torch.Generator().manual_seed(seed))[:n]]


def targets(model, x):
    with torch.no_grad(): return model(x).argsort(-1, descending=True)[:, 1]

# ------------------------------------------------------------------ comparisons

OLD = {"pixels": dict(lr=0.002), "dip": dict(lr=0.0003, warm_start_lr=0.01), "inr": dict(lr=0.001, warm_start_lr=0.005)}   # cfx's defaults before
REF_LR = {"pixels": 0.01, "dip": 0.01, "inr": 0.001}     # textbook step sizes: DeepInversion-like pixels, Ulyanov's DIP, Tancik's INR
REF_WARM_LR = {"pixels": 0.0, "dip": 0.01, "inr": 0.005}


def run_one(model, x, t, prior, kw, steps_per_stage=40):
    "One row's run: kw = ('reference', lr) for the reference loop, or DISC kwargs for cfx."
    if isinstance(kw, tuple):
        return reference(model, x, t, prior, steps_per_stage=steps_per_stage, lr=kw[1], warm_start_lr=REF_WARM_LR[prior])
    return cfx_run(model, x, t, prior, steps_per_stage=steps_per_stage, **kw)


def compare(models, n=16, priors=PRIOR_NAMES, steps_per_stage=40, runs=None, cache=None, log=print):
    "Per model and prior, each run of `runs` (name -> prior -> DISC kwargs, or ('reference', lr) for the reference loop)."
    if runs is None:
        from cfx.methods.disc import PRIORS
        runs = {"reference": {p: ("reference", REF_LR[p]) for p in PRIOR_NAMES},
                "reference, cfx's lr": {p: ("reference", PRIORS[p]["lr"]) for p in PRIOR_NAMES},
                "cfx before": OLD, "cfx now": {p: {} for p in PRIOR_NAMES}}
    x = images(n)
    rows = []
    for name in models:
        m = heldout(name, cache) if name in HELDOUT else _zoo(name)
        t = targets(m, x)
        for prior in priors:
            for run_name, kws in runs.items():
                if prior not in kws: continue
                t0 = time.time()
                r = run_one(m, x, t, prior, kws[prior], steps_per_stage)
                row = dict(model=name, prior=prior, run=run_name, **summarise(r, x, t), seconds=round(time.time() - t0, 1))
                row["kwargs"] = {"reference_lr": kws[prior][1]} if isinstance(kws[prior], tuple) else dict(kws[prior])
                rows.append(row); log(fmt_row(row))
    return rows


def _zoo(name):
    from cfx import zoo
    return zoo.load(name)


def fmt_row(r):
    re = " ".join(f"{v:>2}" for v in r["reached"].values())
    return (f"{r['model']:>10} {r['prior']:>6} {r['run']:>20}  reached {re} /{r['n']}  steps@0.8 {r['steps_08']:>5}  steps {r['steps']:>5}"
            f"  l1/px {r['l1_px']:.4f}  oracle {r.get('oracle', float('nan')):.2f}  ({r['seconds']} s)")


def table(rows, runs=None):
    "The comparison as text: a line per model, prior and run."
    runs = runs or list(dict.fromkeys(r["run"] for r in rows))
    qs = list(rows[0]["reached"])
    head = f"{'model':>10} {'prior':>6} {'run':>20} " + " ".join(f"{'≥' + q:>5}" for q in qs) + f" {'steps@0.8':>9} {'steps':>6} {'l1/px':>7} {'oracle':>6}"
    lines = [head]
    for r in rows:
        if r["run"] not in runs: continue
        lines.append(f"{r['model']:>10} {r['prior']:>6} {r['run']:>20} " + " ".join(f"{r['reached'][q]:>2}/{r['n']:<2}" for q in qs)
                     + f" {r['steps_08']:>9.1f} {r['steps']:>6.1f} {r['l1_px']:>7.4f} {r.get('oracle', float('nan')):>6.2f}")
    return "\n".join(lines)


SWEEP = {"pixels": (0.002, 0.005, 0.01, 0.02, 0.05), "dip": (0.0003, 0.001, 0.002, 0.003, 0.01), "inr": (0.001, 0.002, 0.003, 0.005, 0.01)}


def sweep(models, n=16, priors=PRIOR_NAMES, grid=None, steps_per_stage=40, cache=None, log=print):
    "cfx's DISC on each held-out model for each confidence-stage step size of `grid` (prior -> step sizes)."
    grid = grid or SWEEP
    runs = {}
    for prior in priors:
        for lr in grid[prior]: runs.setdefault(f"lr={lr:g}", {})[prior] = dict(lr=lr)
    return compare(models, n, priors, steps_per_stage, runs=runs, cache=cache, log=log)


def sweep_summary(rows):
    "Per prior and step size, over the models: fewest images reaching 0.8, most and mean steps to 0.8, change relative to the smallest step size, oracle."
    out = []
    for prior in dict.fromkeys(r["prior"] for r in rows):
        rs = [r for r in rows if r["prior"] == prior and "lr" in r.get("kwargs", {})]      # the reference rows are not part of the grid
        lo = min(r["kwargs"]["lr"] for r in rs)
        base = {r["model"]: r["l1_px"] for r in rs if r["kwargs"]["lr"] == lo}
        for lr in sorted({r["kwargs"]["lr"] for r in rs}):
            g = [r for r in rs if r["kwargs"]["lr"] == lr]
            rel = [r["l1_px"] / base[r["model"]] for r in g]
            out.append(dict(prior=prior, lr=lr, models=len(g), n=g[0]["n"], min_reached_08=min(r["reached"]["0.8"] for r in g),
                            max_steps_08=max(r["steps_08"] for r in g), mean_steps_08=round(sum(r["steps_08"] for r in g) / len(g), 1),
                            l1_rel=round(sum(rel) / len(rel), 3), oracle=round(sum(r["oracle"] for r in g) / len(g), 3)))
    return out


def choose(summary, reach=0.9, change=0.10):
    """The rule, per prior: the largest step size at which every held-out model brings at least `reach` of the images to
    stage 0.8 within the budget, while the counterfactuals change the images (mean |x_cf − x| per pixel, averaged over the
    models) by at most `change` more than at the smallest step size of the grid."""
    best = {}
    for s in summary:
        if s["min_reached_08"] >= math.ceil(reach * s["n"]) and s["l1_rel"] <= 1 + change + 1e-9:
            best[s["prior"]] = max(best.get(s["prior"], 0), s["lr"])
    return best


def summary_table(summary, chosen=None):
    lines = [f"{'prior':>6} {'lr':>7} {'fewest ≥0.8':>11} {'most steps@0.8':>14} {'mean steps@0.8':>14} {'change vs smallest lr':>21} {'oracle':>6}"]
    for s in summary:
        mark = "  ← chosen" if chosen and chosen.get(s["prior"]) == s["lr"] else ""
        lines.append(f"{s['prior']:>6} {s['lr']:>7g} {s['min_reached_08']:>8}/{s['n']:<2} {s['max_steps_08']:>14.1f} {s['mean_steps_08']:>14.1f}"
                     f" {s['l1_rel']:>20.2f}× {s['oracle']:>6.2f}{mark}")
    return "\n".join(lines)


def compare_summary(rows):
    "Per prior and run, over the models: images reaching 0.8 (all models together), mean and worst model's steps to 0.8, change, oracle."
    out = []
    for prior in dict.fromkeys(r["prior"] for r in rows):
        for run in dict.fromkeys(r["run"] for r in rows):
            g = [r for r in rows if r["prior"] == prior and r["run"] == run]
            if not g: continue
            out.append(dict(prior=prior, run=run, reached_08=sum(r["reached"]["0.8"] for r in g), reached_09=sum(r["reached"]["0.9"] for r in g),
                            of=sum(r["n"] for r in g), fewest_08=min(r["reached"]["0.8"] for r in g), n=g[0]["n"],
                            mean_steps_08=round(sum(r["steps_08"] for r in g) / len(g), 1), worst_steps_08=max(r["steps_08"] for r in g),
                            l1_px=round(sum(r["l1_px"] for r in g) / len(g), 4), oracle=round(sum(r["oracle"] for r in g) / len(g), 3)))
    return out


def compare_table(summary):
    lines = [f"{'prior':>6} {'run':>20} {'reached 0.8':>11} {'worst model':>11} {'reached 0.9':>11} {'steps@0.8':>9} {'worst':>6} {'l1/px':>7} {'oracle':>6}"]
    for s in summary:
        lines.append(f"{s['prior']:>6} {s['run']:>20} {s['reached_08']:>7}/{s['of']:<3} {s['fewest_08']:>8}/{s['n']:<2} {s['reached_09']:>7}/{s['of']:<3}"
                     f" {s['mean_steps_08']:>9.1f} {s['worst_steps_08']:>6.1f} {s['l1_px']:>7.4f} {s['oracle']:>6.2f}")
    return "\n".join(lines)


L1 = (1.0, 5.0, 20.0)


def l1_check(models, n=16, values=L1, priors=PRIOR_NAMES, cache=None, log=print):
    "cfx's DISC at its step sizes with other L1 weights: how the proximity term trades reach and steps against change."
    runs = {f"l1={v:g}": {p: dict(l1=v) for p in priors} for v in values}
    return [r for r in compare(models, n, priors, runs=runs, cache=cache, log=log)]


MANIFOLD = {"dip + DUQ, mc": ("dip", "mc", (5.0, 20.0, 50.0)), "inr + DUQ, σ": ("inr", "sigma", (1.0, 2.0, 4.0))}


def manifold_check(models, n=16, grid=None, cache=None, log=print):
    "With the zoo's DUQ model: the manifold weight `mc` (DIP) and the INR's frequency scale σ, on held-out models (oracle agreement, change, success)."
    from cfx.methods.disc import DISC, INRNet, fourier_input, PRIORS, _PRIOR_SEED
    from cfx.engine.spaces import Module
    duq, x, rows = _zoo("fashion/duq"), images(n), []
    for name in models:
        m = heldout(name, cache) if name in HELDOUT else _zoo(name)
        t = targets(m, x)
        for label, (prior, knob, values) in (grid or MANIFOLD).items():
            for v in values:
                kw = dict(prior=prior, manifold=duq)
                if knob == "mc": kw["mc"] = v
                else:
                    with torch.random.fork_rng(devices=[]):
                        torch.manual_seed(_PRIOR_SEED); net = INRNet(1, (28, 28))
                    kw.update(prior=Module(net, fourier_input(sigma=v)), lr=PRIORS["inr"]["lr"], warm_start_lr=PRIORS["inr"]["warm_start_lr"])
                e = DISC(m, show_progress=False, **kw).explain(x, target=t, seed=0)
                rows.append(dict(model=name, setting=label, value=v, n=n, success=round(e.validity, 3), oracle=round(oracle_agreement(e.x_cf, t), 3),
                                 l1_px=round(float((e.x_cf - x).abs().mean()), 4), psnr_min=round(float(e.history["warm_start_psnr"].min()), 1)))
                log(f"{name:>10} {label} = {v:g}: success {rows[-1]['success']:.2f}, oracle {rows[-1]['oracle']:.2f}, l1/px {rows[-1]['l1_px']:.4f}, warm start ≥ {rows[-1]['psnr_min']} dB")
    return rows


def manifold_summary(rows):
    "Per setting, the mean over the models."
    out = []
    for (label, v) in dict.fromkeys((r["setting"], r["value"]) for r in rows):
        g = [r for r in rows if r["setting"] == label and r["value"] == v]
        out.append(dict(setting=label, value=v, models=len(g), success=round(sum(r["success"] for r in g) / len(g), 3),
                        oracle=round(sum(r["oracle"] for r in g) / len(g), 3), l1_px=round(sum(r["l1_px"] for r in g) / len(g), 4),
                        psnr_min=min(r["psnr_min"] for r in g)))
    return out


WARM = {"dip": (0.005, 0.01, 0.02), "inr": (0.005, 0.01, 0.02)}


def warm_start(n=64, steps=(150, 200, 300), grid=None, log=print):
    "How well the warm start reproduces the query (PSNR, dB) per prior, step size and number of steps, on `n` images (permutation seed 2)."
    from cfx.methods.disc import DISC
    x, m, rows = images(n, seed=2), heldout("mlp-256"), []        # the warm start never reads the classifier
    for prior, lrs in (grid or WARM).items():
        for lr in lrs:
            for w in steps:
                e = DISC(m, prior=prior, stages=(0.5,), steps=(w, 1), warm_start_lr=lr, show_progress=False).explain(x, seed=0)
                ps = e.history["warm_start_psnr"]
                rows.append(dict(prior=prior, warm_start_lr=lr, warm_start_steps=w, n=n, psnr_min=round(float(ps.min()), 1),
                                 psnr_5pct=round(float(ps.quantile(0.05)), 1), psnr_median=round(float(ps.median()), 1)))
                log(f"{prior:>4} lr {lr:<6g} {w:>4} steps: PSNR worst {rows[-1]['psnr_min']} dB, 5 % {rows[-1]['psnr_5pct']} dB, median {rows[-1]['psnr_median']} dB")
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--train", action="store_true")
    ap.add_argument("--compare", action="store_true")
    ap.add_argument("--sweep", action="store_true")
    ap.add_argument("--warm", action="store_true")
    ap.add_argument("--manifold", action="store_true")
    ap.add_argument("--l1", action="store_true")
    ap.add_argument("--models", default=",".join(HELDOUT))
    ap.add_argument("--priors", default=",".join(PRIOR_NAMES))
    ap.add_argument("--n", type=int, default=16)
    ap.add_argument("--cache", default=None)
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    torch.set_num_threads(1)
    models = a.models.split(",")
    out = {}
    if a.train:
        out["models"] = {}
        for name in models:
            m = heldout(name, a.cache)
            out["models"][name] = dict(description=HELDOUT[name][4], seed=HELDOUT[name][1], epochs=HELDOUT[name][2], test_accuracy=round(m.test_accuracy, 4))
            print(f"{name:>10}: test accuracy {m.test_accuracy:.3f}  ({HELDOUT[name][4]})")
    if a.compare:
        out["compare"] = compare(models, a.n, a.priors.split(","), cache=a.cache)
        print(compare_table(compare_summary(out["compare"])))
    if a.warm:
        out["warm_start"] = warm_start()
    if a.l1:
        out["l1"] = l1_check(models, a.n, priors=a.priors.split(","), cache=a.cache)
        print(compare_table(compare_summary(out["l1"])))
    if a.manifold:
        out["manifold"] = manifold_check(models, a.n, cache=a.cache)
        for r in manifold_summary(out["manifold"]): print(r)
    if a.sweep:
        out["sweep"] = sweep(models, a.n, a.priors.split(","), cache=a.cache)
        summ = sweep_summary(out["sweep"]); out["chosen"] = choose(summ)
        print(summary_table(summ, out["chosen"]))
    if a.json:
        p = Path(a.json)
        old = json.loads(p.read_text()) if p.exists() else {}
        old.update(out); p.write_text(json.dumps(old, indent=1))


if __name__ == "__main__":
    main()
