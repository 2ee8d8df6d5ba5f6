#!/usr/bin/env python
"""Benchmark the contrastive method: shift-predictor training time and scores per second.

Prints a table; never asserts a time (machines are shared and noisy). Figures are medians of `--repeats`
runs made in the same process as their baselines, interleaved.

  python tools/bench_contrastive.py                 # full: 200 training steps, scores on 2 000 latents, 3 repeats
  python tools/bench_contrastive.py --smoke         # CI size: 3 steps, 16 latents, 1 repeat
  python tools/bench_contrastive.py --json out.json # also write the figures as JSON

On the shipped causal-shapes parts (classifier, VAE with latent 8, attribute reader):
- fit: ms per training step of the shift predictor at batch 64, against a bare loop of the same
  forward + backward passes (decoder, reader, classifier; a fresh predictor, Adam) written by hand;
  efficiency = bare / cfx.
- scores: latents per second of `Contrastive.scores` (3 attributes x 2 interventions per latent:
  7 decodes and 7 passes of reader and classifier), against a bare loop of the same passes.
"""
import argparse, json, statistics, time
import torch


def bare_fit(c, steps, batch):
    from cfx.methods.contrastive import ShiftPredictor, code_loss, sample_codes
    g = torch.Generator().manual_seed(0)
    net = ShiftPredictor(8, len(c.heads), c.hidden)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    for p in list(c.attributes.parameters()) + list(c.model.parameters()) + list(c.generator.parameters()): p.requires_grad_(False)
    net.train()
    for _ in range(steps):
        z, code = torch.randn(batch, 8, generator=g), sample_codes(batch, 3, 2, g)
        dz = net(z, code)
        loss = (code_loss(c.head_logits(c.generator.decode(z + dz)), code) + 0.05 * dz.norm(dim=1)).mean()
        opt.zero_grad(); loss.backward(); opt.step()


def bare_scores(c, z, bs):
    with torch.no_grad():
        for i in range(0, len(z), bs):
            zb = z[i:i + bs]
            for code in [None] + [c.code({n: s}) for n in c.names for s in (-1, 1)]:
                x = c.generator.decode(zb if code is None else zb + c.predictor(zb, code.expand(len(zb), -1)))
                c.head_logits(x).argmax(-1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--smoke", action="store_true"); ap.add_argument("--json", default=None); ap.add_argument("--repeats", type=int, default=None)
    a = ap.parse_args()
    steps, n, reps = (3, 16, 1) if a.smoke else (200, 2000, 3)
    reps = a.repeats or reps
    from cfx.methods.contrastive import Contrastive
    c = Contrastive.from_zoo("shapes-causal/contrastive", show_progress=False)
    fit_t, bare_t, sc_t, bsc_t = [], [], [], []
    z = torch.randn(n, 8, generator=torch.Generator().manual_seed(0))
    for _ in range(reps):
        t = time.perf_counter(); Contrastive.from_zoo("shapes-causal/contrastive", fitted=False).fit(steps=steps, latents_per_step=64); fit_t.append(time.perf_counter() - t)
        t = time.perf_counter(); bare_fit(c, steps, 64); bare_t.append(time.perf_counter() - t)
        t = time.perf_counter(); c.scores(1, latents=z); sc_t.append(time.perf_counter() - t)
        t = time.perf_counter(); bare_scores(c, z, c.batch_size); bsc_t.append(time.perf_counter() - t)
    med = statistics.median
    res = dict(threads=torch.get_num_threads(), steps=steps, latents=n, repeats=reps,
               fit_ms_per_step=1000 * med(fit_t) / steps, bare_fit_ms_per_step=1000 * med(bare_t) / steps,
               fit_efficiency=med([b / f for b, f in zip(bare_t, fit_t)]),
               scores_latents_per_s=n / med(sc_t), bare_scores_latents_per_s=n / med(bsc_t),
               scores_efficiency=med([b / s for b, s in zip(bsc_t, sc_t)]))
    print(f"contrastive on shapes-causal, {res['threads']} thread(s), medians of {reps} repeat(s)")
    print(f"  fit:    {res['fit_ms_per_step']:.1f} ms/step at batch 64 (bare loop {res['bare_fit_ms_per_step']:.1f}); efficiency {res['fit_efficiency']:.2f}")
    print(f"  scores: {res['scores_latents_per_s']:.0f} latents/s (bare loop {res['bare_scores_latents_per_s']:.0f}); efficiency {res['scores_efficiency']:.2f}")
    if a.json: open(a.json, "w").write(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
