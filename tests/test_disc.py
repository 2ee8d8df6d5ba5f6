"""`cfx explain --method disc` end to end: the installed console script, run in a subprocess from outside the repo."""
import json

import pytest

from test_cli import explained, run_in as cfx_in, run_here, usage_error

FAST = ["--steps", "15", "--quiet", "--oracle", "none"]     # the general option: DISC splits it over its stages


def run_in(cwd, *args): return cfx_in(cwd, "explain", "--method", "disc", *args)
def disc_explained(cwd, *args): return explained(cwd, "explain", "--method", "disc", *args)[1]


@pytest.mark.parametrize("prior", ["inr"])          # the default prior; dip runs below with the DUQ model, pixels in the chapter
def test_explain_disc_each_prior(tmp_path, prior):
    e = disc_explained(tmp_path, "--n", "2", "--out", "out", "--set", f"prior={prior},stages=(0.6,0.9)", *FAST)
    assert e.meta["method"] == "disc" and e.meta["params"]["prior"] == prior and e.meta["params"]["stages"] == [0.6, 0.9]
    assert e.history["stage_images"].shape == (2, 2, 1, 28, 28) and e.history["stage_p_target"].shape == (2, 2)
    assert (tmp_path / "out" / "figure.png").stat().st_size > 0


def test_explain_disc_with_the_zoo_duq(tmp_path):
    "`manifold=auto` takes the DUQ model of the --model's dataset; its certainty is kept per stage."
    e = disc_explained(tmp_path, "--model", "fashion/classifier", "--n", "2", "--out", "out", "--set", "manifold=auto,prior=dip", *FAST)
    assert e.meta["params"]["manifold"] == "fashion/duq" and e.history["stage_certainty"].shape == (2, 4)
    assert e.meta["params"]["steps"] == 15 and e.meta["params"]["stage_steps"] == [5, 2, 2, 3, 3]        # `--steps 15`, split
    m = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert m["n"] == 2


def test_explain_disc_user_errors(tmp_path):
    usage_error(run_in(tmp_path, "--n", "1", "--out", "o1", "--steps", "4"), "`steps` = 4 leaves fewer than one step per confidence stage (4): give at least 5")
    for o, opt, needle in (("o2", "prior=gan", "`prior` must be one of"), ("o3", "stages=(0.9,0.5)", "`stages` must increase strictly")):
        usage_error(run_here(tmp_path, "explain", "--method", "disc", "--n", "1", "--out", o, "--set", opt), needle)   # in this process


def _disc_defaults():
    import importlib, sys
    from pathlib import Path
    tools = str(Path(__file__).resolve().parents[1] / "tools")
    if tools not in sys.path: sys.path.insert(0, tools)
    return importlib.import_module("disc_defaults")


def test_disc_defaults_reference_matches_cfx_at_equal_step_size():
    "tools/disc_defaults.py: the plain reference stage loop and cfx's DISC, same step size, same tiny problem: the same stages reached in about as many steps."
    import torch
    from torch import nn
    from cfx.core.models import Classifier
    dd = _disc_defaults()
    torch.manual_seed(0)
    lin = nn.Linear(64, 3)
    with torch.no_grad(): lin.weight.mul_(10)                           # a model these images can move
    model = Classifier(nn.Sequential(nn.Flatten(), lin))
    x = torch.rand(4, 1, 8, 8, generator=torch.Generator().manual_seed(1))
    t = dd.targets(model, x)
    for prior, lr in (("pixels", 0.02), ("inr", 0.002)):
        kw = dict(stages=(0.6, 0.8), steps_per_stage=30, lr=lr, warm_start_steps=60, warm_start_lr=0.01)
        ref, ours = dd.reference(model, x, t, prior, **kw), dd.cfx_run(model, x, t, prior, **kw)
        sr, so = dd.summarise(ref, x, stages=(0.6, 0.8)), dd.summarise(ours, x, stages=(0.6, 0.8))
        assert sr["reached"] == so["reached"] == {"0.6": 4, "0.8": 4}, (prior, sr, so)
        assert abs(sr["steps"] - so["steps"]) <= 0.25 * max(sr["steps"], so["steps"]) + 1, (prior, sr, so)
        assert ref["steps"].shape == ours["steps"].shape == (4, 2) and (ref["steps"].diff(dim=1) >= 0).all()


def test_disc_defaults_rule_picks_the_fastest_step_size_within_the_change_bar():
    dd = _disc_defaults()
    row = lambda model, lr, reached, steps, l1: dict(model=model, prior="pixels", run=f"lr={lr}", n=16, reached={"0.8": reached, "0.9": reached},
                                                      steps_08=steps, steps=steps, l1_px=l1, oracle=0.5, kwargs=dict(lr=lr))
    rows = [row(m, lr, r, s, l1 * k) for m, k in (("a", 1.0), ("b", 2.0))
            for lr, r, s, l1 in ((0.001, 12, 60.0, 0.040), (0.01, 16, 10.0, 0.043), (0.1, 16, 2.0, 0.060))]
    summary = dd.sweep_summary(rows)
    assert [s["min_reached_08"] for s in summary] == [12, 16, 16] and [s["l1_rel"] for s in summary] == [1.0, 1.075, 1.5]
    assert dd.choose(summary) == {"pixels": 0.01}                        # 0.1 changes the images 50 % more; 0.001 is fine too but slower
    assert dd.choose(summary, change=0.6) == {"pixels": 0.1}
