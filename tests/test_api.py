"""One signature for every method: `explain(x, target=None, seed=0, batch_size=None, show_progress=None)`, method-specific options only as keywords after it."""
import importlib, inspect, pkgutil

import cfx, cfx.methods.base

COMMON = ["self", "x", "target", "seed", "batch_size", "show_progress"]


def explainers():
    "Every Explainer subclass defined in a module of the cfx package."
    for info in pkgutil.walk_packages(cfx.__path__, "cfx."):
        if info.name.split(".")[-1].startswith("_") or info.name.startswith("cfx.cli"): continue
        mod = importlib.import_module(info.name)
        for cls in vars(mod).values():
            if inspect.isclass(cls) and issubclass(cls, cfx.methods.base.Explainer) and cls.__module__ == mod.__name__: yield cls


def test_every_explainer_has_the_common_explain_signature():
    found = list(explainers())
    assert {c.__name__ for c in found} >= {"SVCE", "FIDO", "BBMP", "DISC", "LatentAttack", "InterFaceGAN", "Contrastive"}
    for cls in found:
        params = inspect.signature(cls.explain).parameters
        assert list(params)[:len(COMMON)] == COMMON, (cls.__name__, list(params))
        assert params["target"].default is None and params["seed"].default == 0, cls.__name__
        extra = list(params.values())[len(COMMON):]
        assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in extra), (cls.__name__, extra)   # never a positional surprise
