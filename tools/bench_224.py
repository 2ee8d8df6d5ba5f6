#!/usr/bin/env python
"""Benchmark every method at 224×224 on a torchvision ResNet-50 (random weights stand in for the user's model), batch 8.

Prints, per method: seconds per step per image, the ratio of the method's time to a bare loop of the same number of
ResNet-50 forward+backward passes on the same batch (× the renders the method scores per step), and the peak memory
of the process (resident set, measured in a fresh process per method, minus the process's memory before the method
ran). Never asserts a time. Issue 20: memory must be bounded by a budget the user sets, not by a method's sample count.

  python tools/bench_224.py                         # every method, 3 steps, batch 8, one thread per process
  python tools/bench_224.py --methods fido --steps 2 --threads 2
  python tools/bench_224.py --device cuda           # on a GPU: peak memory is torch.cuda.max_memory_allocated
  python tools/bench_224.py --smoke --json out.json # CI size

The generative methods get generators of the right size with random weights (a FactorVAE with no factor code, as
`cfx train generator` builds for 224×224 images): the time and memory are what matter here, not the pictures.
"""
import argparse, json, os, resource, subprocess, sys, time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_svce import bare_loop as bare   # the floor: forward+backward passes of the batch, gradients w.r.t. the input only

METHODS = ("svce", "fido", "bbmp", "disc", "latent-attack", "contrastive")
RENDERS = {"svce": 1, "fido": 8, "bbmp": 1, "disc": 1, "latent-attack": 1, "contrastive": 1}   # classifier passes per step and image


def rss_mib():
    "Peak resident set of this process so far, MiB (Linux reports KiB)."
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def model_and_data(batch, device):
    import cfx  # noqa: F401  (mends torchvision where its compiled ops cannot load)
    import torchvision
    from cfx.core.models import Classifier
    torch.manual_seed(0)
    net = torchvision.models.resnet50(weights=None, num_classes=10)
    model = Classifier(net.to(device), mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])
    x = torch.rand(batch, 3, 224, 224, generator=torch.Generator().manual_seed(0)).to(device)
    return model, x


def generator(device):
    from cfx.core.models import Generator
    from cfx.zoo.nets import FactorVAE
    torch.manual_seed(1)
    vae = FactorVAE(in_channels=3, img_size=224, code_dim=0, code_groups=(), free_dim=16, widths=(32, 64, 64, 128, 128)).to(device).eval()
    return Generator(vae.decoder, (16,), encoder=vae.encoder)


def explainer(name, model, steps, batch, device, memory=None):
    "The method with its defaults but `steps`; with a `memory` budget (GiB), its `chunk` from `renders_for` (at least one image's renders)."
    from cfx.methods.base import renders_for
    kw = dict(steps=steps, batch_size=batch, show_progress=False)
    if memory: kw["chunk"] = max(renders_for(model, (3, 224, 224), memory), RENDERS[name])
    if name == "svce":
        from cfx.methods.svce import SVCE; return SVCE(model, **kw)
    if name == "fido":
        from cfx.methods.fido import FIDO; return FIDO(model, **kw)
    if name == "bbmp":
        from cfx.methods.fido import BBMP; return BBMP(model, **kw)
    if name == "disc":
        from cfx.methods.disc import DISC; return DISC(model, **{**kw, "steps": max(steps, 5)})   # a warm start and four confidence stages
    if name == "latent-attack":
        from cfx.methods.latent_attack import LatentAttack; return LatentAttack(model, generator(device), **kw)
    if name == "contrastive":
        from cfx.methods.contrastive import Contrastive
        g = generator(device)
        import torchvision
        from cfx.core.models import Classifier
        reader = Classifier(torchvision.models.resnet50(weights=None, num_classes=3).to(device), class_names=["a", "b", "c"])   # attribute reader
        c = Contrastive(model, g, reader, ["a", "b", "c"])
        return c.fit(steps=2, latents_per_step=batch, seed=0)
    raise ValueError(name)


def one(name, steps, batch, device, memory=None):
    "Measure one method in this (fresh) process; print one JSON line."
    model, x = model_and_data(batch, device)
    with torch.no_grad(): y = model(x).argmax(-1)
    target = (y + 1) % 10
    base = rss_mib()
    if device != "cpu": torch.cuda.reset_peak_memory_stats()
    ex = explainer(name, model, steps, batch, device, memory)
    t0 = time.perf_counter()
    ex.explain(x, seed=0) if name in ("fido", "bbmp", "contrastive") else ex.explain(x, target=target, seed=0)   # their default targets
    secs = time.perf_counter() - t0
    peak = (torch.cuda.max_memory_allocated() / 2 ** 20) if device != "cpu" else rss_mib() - base
    t0 = time.perf_counter()
    bare(model, x, target, (max(steps, 5) if name == "disc" else steps) * RENDERS[name])
    secs_bare = time.perf_counter() - t0
    steps = max(steps, 5) if name == "disc" else steps
    print(json.dumps(dict(method=name, steps=steps, batch=batch, chunk=getattr(ex, "chunk", None), seconds=secs, bare_seconds=secs_bare, peak_mib=peak)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--methods", default=",".join(METHODS))
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--memory", type=float, help="budget in GiB per forward+backward pass: each method's `chunk` from `renders_for` (default: none)")
    ap.add_argument("--json")
    ap.add_argument("--one", help=argparse.SUPPRESS)
    ap.add_argument("--smoke", action="store_true", help="CI size: SVCE and FIDO (with --memory 1), batch 1, one step")
    a = ap.parse_args()
    if a.smoke: a.methods, a.steps, a.batch, a.memory = "svce,fido", 1, 1, a.memory or 1.0
    torch.set_num_threads(a.threads)
    if a.one: return one(a.one, a.steps, a.batch, a.device, a.memory)
    rows = []
    print(f"ResNet-50 (random weights), 224×224, batch {a.batch}, {a.steps} steps, {a.threads} thread(s), {a.device}, memory budget "
          f"{f'{a.memory} GiB' if a.memory else 'none'}")
    print(f"{'method':>14} | {'chunk':>5} | {'s/step/image':>12} | {'× bare fwd+bwd':>14} | {'peak MiB':>8}")
    for m in a.methods.split(","):
        r = subprocess.run([sys.executable, __file__, "--one", m, "--steps", str(a.steps), "--batch", str(a.batch), "--threads", str(a.threads),
                            "--device", a.device] + (["--memory", str(a.memory)] if a.memory else []), capture_output=True, text=True)
        if r.returncode:
            print(f"{m:>14} | failed: {r.stderr.strip().splitlines()[-1] if r.stderr.strip() else r.returncode}"); continue
        d = json.loads(r.stdout.strip().splitlines()[-1]); rows.append(d)
        print(f"{m:>14} | {str(d['chunk']):>5} | {d['seconds'] / d['steps'] / d['batch']:12.3f} | {d['seconds'] / d['bare_seconds']:14.2f} | {d['peak_mib']:8.0f}", flush=True)
    if a.json: open(a.json, "w").write(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
