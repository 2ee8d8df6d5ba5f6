#!/usr/bin/env python
"""tools/fingerprint.py: one SHA-256 per method of what it returns on fixed inputs — to show a refactoring changed no bit.

    python tools/fingerprint.py > before.txt      # on the old code
    python tools/fingerprint.py > after.txt       # on the new code
    diff before.txt after.txt                     # empty: every method returned the same bits

Each line is `name sha256` of the explanation's tensors (counterfactuals, probabilities, success, steps, saliency, mask,
latent, every history) and of its settings, for every method with small budgets on the bundled Fashion-MNIST sample
and the shapes world, plus an evaluation table, a global explanation and a sharded dataset run. One CPU thread, so the
figures do not depend on the thread count; compare runs on the same machine (the vector unit changes last bits).
Names are looked up in the public face first (`cfx.SVCE`), then in the modules that held them before it existed.
Settings renamed since the baseline (RENAMED, per method) are digested under their old names; settings added since, at
the value that gives the old behaviour (ADDED), are left out, as are entries moved into `params` from the rest of `meta`
(MOVED: the baseline did not digest them); DISC's `steps` (a total, with `stage_steps`, its split)
is digested as the `steps_per_stage` and `warm_start_steps` it replaced.
"""
import hashlib, importlib, json, os, sys, tempfile, warnings

os.environ.setdefault("OMP_NUM_THREADS", "1")
import torch

torch.set_num_threads(1)
warnings.filterwarnings("ignore")
import cfx

OLD = {"SVCE": "cfx.svce", "FIDO": "cfx.fido", "BBMP": "cfx.fido", "DISC": "cfx.disc", "LatentAttack": "cfx.latent_attack",
       "InterFaceGAN": "cfx.latent_attack", "Contrastive": "cfx.contrastive", "shipped": "cfx.contrastive",
       "evaluate": "cfx.metrics", "load_fashion_sample": "cfx.data", "Shapes": "cfx.data", "explain_dataset": "cfx.scale",
       "gradient_saliency": "cfx.fido", "load_run": "cfx.scale"}
NEW = {"SVCE": "cfx.methods.svce", "FIDO": "cfx.methods.fido", "BBMP": "cfx.methods.fido", "DISC": "cfx.methods.disc",
       "LatentAttack": "cfx.methods.latent_attack", "InterFaceGAN": "cfx.methods.latent_attack",
       "Contrastive": "cfx.methods.contrastive", "shipped": "cfx.methods.contrastive", "evaluate": "cfx.metrics.evaluate",
       "load_fashion_sample": "cfx.data.fashion", "Shapes": "cfx.data.shapes", "explain_dataset": "cfx.scale.runner",
       "gradient_saliency": "cfx.methods.fido", "load_run": "cfx.scale.runner"}

# meta['method'] -> {old setting name: new name}: `params` are digested under the old names, as the baseline was
RENAMED = {"latent-attack": {"threshold": "tau"}, "interfacegan": {"threshold": "tau"}, "contrastive": {"refine_steps": "steps"}}
# meta['method'] -> {setting added since the baseline: the value that gives the baseline's behaviour}: left out of the digest
ADDED = {"fido": {"restarts": 1}, "bbmp": {"restarts": 1}, "disc": {"restarts": 1}, "latent-attack": {"restarts": 1}}
# meta['method'] -> settings moved into `params` from elsewhere in `meta` since the baseline (which did not digest them): left out
MOVED = {"contrastive": ("predictor",)}


def old_params(method:str, params:dict) -> dict:
    "`params` as the baseline recorded them: renamed settings under their old names, added ones at their neutral value left out."
    back = {new: old for old, new in RENAMED.get(method, {}).items()}
    out = {back.get(k, k): v for k, v in params.items() if not (k in ADDED.get(method, {}) and v == ADDED[method][k]) and k not in MOVED.get(method, ())}
    if method == "disc" and "stage_steps" in out:                # one total `steps` and its split replaced two settings
        warm, *stages = out.pop("stage_steps"); out.pop("steps")
        assert len(set(stages)) == 1, stages
        out.update(steps_per_stage=stages[0], warm_start_steps=warm)
    return out


def get(name):
    "A name of cfx's API, wherever this version keeps it."
    for where in (lambda: getattr(cfx, name), lambda: getattr(importlib.import_module(NEW[name]), name),
                  lambda: getattr(importlib.import_module(OLD[name]), name)):
        try: return where()
        except (AttributeError, KeyError, ImportError): pass
    raise LookupError(name)


def digest(*objs) -> str:
    h = hashlib.sha256()
    def feed(o):
        if isinstance(o, torch.Tensor):
            t = o.detach().cpu().contiguous()
            h.update(f"{t.dtype}{tuple(t.shape)}".encode()); h.update(t.view(torch.uint8).numpy().tobytes() if t.numel() else b"")
        elif isinstance(o, dict):
            for k in sorted(o, key=str): h.update(str(k).encode()); feed(o[k])
        elif isinstance(o, (list, tuple)):
            for v in o: feed(v)
        else: h.update(repr(o).encode())
    for o in objs: feed(o)
    return h.hexdigest()[:16]


def of_explanation(e) -> str:
    fields = [getattr(e, k, None) for k in ("x", "x_cf", "y", "target", "p_orig", "p_cf", "success", "n_steps", "saliency", "mask", "latent")]
    params = old_params(e.meta.get("method"), dict(e.meta.get("params", {})))
    return digest(fields, e.history, params, e.meta.get("target_mode"))


def main():
    zoo = importlib.import_module("cfx.zoo")
    x, _ = get("load_fashion_sample")()
    x8 = x[[0, 150, 420, 777, 100, 250, 500, 900]]
    robust, plain = zoo.load("fashion/robust"), zoo.load("fashion/classifier")
    out = {}
    S = get("SVCE")
    out["svce"] = S(robust, steps=20, show_progress=False).explain(x8, target="other", seed=0)
    out["svce_apgd_p2"] = S(robust, p=2, solver="apgd", steps=15, show_progress=False).explain(x8, target=3, seed=1)
    out["svce_restarts"] = S(plain, steps=10, restarts=2, show_progress=False).explain(x8[:4], seed=2)
    F = get("FIDO")
    out["fido_mean"] = F(plain, steps=20, show_progress=False).explain(x8, seed=0)
    out["fido_vae"] = F(plain, infiller="fashion/infill-vae", steps=10, samples=4, show_progress=False).explain(x8[:4], seed=0)
    out["bbmp"] = get("BBMP")(plain, steps=20, show_progress=False).explain(x8, seed=0)
    D = get("DISC")
    for prior in ("pixels", "dip", "inr"):
        kw = dict(steps_per_stage=8, warm_start_steps=10) if "steps_per_stage" in D.__init__.__code__.co_varnames else dict(steps=(10, 8, 8, 8, 8))
        out[f"disc_{prior}"] = D(plain, prior=prior, show_progress=False, **kw).explain(x8[:4], seed=0)
    L = get("LatentAttack")
    gen = zoo.load("fashion/vae")
    out["latent_attack"] = L(plain, gen, steps=30, show_progress=False).explain(x8, seed=0)
    out["interfacegan"] = get("InterFaceGAN")(plain, gen, x[:200], show_progress=False).explain(x8, seed=0)
    C = get("Contrastive")
    c = C.from_zoo("fashion/contrastive") if hasattr(C, "from_zoo") else get("shipped")("fashion")   # the zoo's since issue 19
    code = c.code({c.heads[0]: 1})
    out["contrastive"] = c.explain(x8, code=code, seed=0) if "code" in c.explain.__code__.co_varnames else c.explain(x8, target=code, seed=0)
    for k, e in out.items(): print(k, of_explanation(e))
    ev = get("evaluate")({"svce": out["svce"]}, oracle=zoo.load("fashion/oracle"))
    print("evaluate", digest(ev.table(fmt="text")))
    sc = c.scores(c.class_names[0] if hasattr(c, "class_names") else 0, n=64, seed=0)
    print("contrastive_scores", digest(sc.values, sc.se, sc.n))
    print("gradient_saliency", digest(get("gradient_saliency")(plain, x8, target=plain.predict(x8))))
    with tempfile.TemporaryDirectory() as d:
        get("explain_dataset")(S(robust, steps=5, batch_size=4, show_progress=False), x[:10], out=d, shard_size=4, show_progress=False)
        print("explain_dataset", of_explanation(get("load_run")(d)))


if __name__ == "__main__":
    main()
