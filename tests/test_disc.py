"""`cfx explain --method disc` end to end: the installed console script, run in a subprocess from outside the repo."""
import json

import pytest

from test_cli import explained, run_in as cfx_in, usage_error

FAST = ["--set", "steps_per_stage=5,warm_start_steps=5", "--quiet", "--oracle", "none"]


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
    m = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert m["n"] == 2


def test_explain_disc_user_errors(tmp_path):
    usage_error(run_in(tmp_path, "--n", "1", "--out", "o1", "--steps", "5"), "`--steps` does not apply to --method disc", "steps_per_stage")
    usage_error(run_in(tmp_path, "--n", "1", "--out", "o2", "--set", "prior=gan"), "`prior` must be one of")
    usage_error(run_in(tmp_path, "--n", "1", "--out", "o3", "--set", "stages=(0.9,0.5)"), "`stages` must increase strictly")
