"""The contrastive method end to end: `cfx explain --method contrastive`, the `cfx scores` function, and its recipes (a few steps)."""
import json

import pytest
import torch

from cfx.core.results import GlobalExplanation

from test_cli import explained, run_in      # the installed `cfx` script, in a subprocess from `cwd`


def test_cfx_explain_contrastive(tmp_path):
    out = tmp_path / "out"
    _, e = explained(tmp_path, "explain", "--method", "contrastive", "--model", "fashion/classifier", "--n", "4", "--out", str(out), "--quiet")
    assert len(e) == 4 and e.meta["method"] == "contrastive" and e.latent.shape == (4, 16)
    assert torch.equal(e.success, e.p_cf.argmax(-1) == e.target) and bool((e.target != e.y).all())   # toward 'other'
    summary = json.loads((out / "metrics.json").read_text())
    assert summary["method"] == "contrastive" and summary["n"] == 4


def test_cfx_explain_contrastive_refuses_other_models(tmp_path):
    r = run_in(tmp_path, "explain", "--method", "contrastive", "--model", "fashion/robust", "--n", "2", "--out", str(tmp_path / "o"), "--quiet")
    assert r.returncode != 0 and "needs a model with a shipped shift predictor" in r.stderr


def test_from_cli_refuses_to_swap_the_shipped_parts():
    "`--set generator=...` (or attributes, names) would not match the shipped predictor: a clear error, not a TypeError."
    import pytest
    from cfx import zoo
    from cfx.methods.contrastive import Contrastive
    for key in ("generator", "attributes", "names"):
        with pytest.raises(ValueError, match=f"`--set {key}` cannot change them"):
            Contrastive.from_cli(zoo.load("fashion/classifier"), model_name="fashion/classifier", **{key: "x"})


def test_scores_cmd(tmp_path, capsys):
    from cfx.cli.main import run_command
    from cfx.cli.scores import scores_cmd
    stem = tmp_path / "trouser"
    assert run_command(scores_cmd, ["Trouser", "--n", "64", "--out", str(stem)], "cfx scores") == 0
    text = capsys.readouterr().out
    assert "causal scores of fashion/classifier's attributes for 'Trouser'" in text and "PNS" in text and "textured" in text
    ge = GlobalExplanation.load(stem.with_suffix(".safetensors"))
    assert ge.names == ["large", "bright", "wide", "symmetric", "textured"] and ge.meta["outcome"] == "Trouser"
    assert stem.with_suffix(".png").stat().st_size > 0
    assert run_command(scores_cmd, ["Bag", "--n", "32", "--attribution", "--json"], "cfx scores") == 0
    js = json.loads(capsys.readouterr().out)
    assert set(js["values"]) >= {"remove", "induce"} and js["meta"]["outcome"] == "Bag"


def test_cfx_scores_cli(tmp_path):
    "`cfx scores` through the dispatcher (registered in `cfx.cli.main.COMMANDS`), end to end."
    r = run_in(tmp_path, "scores", "Trouser", "--n", "32", "--json")
    assert r.returncode == 0, r.stderr[-3000:]
    js = json.loads(r.stdout)
    assert js["names"] == ["large", "bright", "wide", "symmetric", "textured"] and js["meta"]["outcome"] == "Trouser"
    assert {"PN", "PS", "PNS", "success:PNS", "drift:PNS"} <= set(js["values"]) and len(js["values"]["PNS"]) == 5
    r = run_in(tmp_path, "scores", "Hat", "--n", "8")
    assert r.returncode != 0 and "must be a class of fashion/classifier" in r.stderr
    r = run_in(tmp_path, "--help")
    assert "causal necessity / sufficiency scores of a model" in r.stdout + r.stderr


def test_scores_cmd_errors():
    import pytest
    from cfx.cli.main import UsageError
    from cfx.cli.scores import scores_cmd
    with pytest.raises(UsageError, match="must be a class of fashion/classifier"): scores_cmd("Hat", n=8)
    with pytest.raises(UsageError, match="shipped shift predictor"): scores_cmd("Bag", model="fashion/robust", n=8)


def test_recipes_run(tmp_path):
    from cfx import zoo
    from cfx.train.worlds import train_contrastive_reader, train_causal_classifier, train_causal_vae, save_asset, save_predictor, CONTRASTIVE_PARTS
    from cfx.methods.contrastive import Contrastive, zoo_parts
    readers = {}
    for name in ("shapes-causal", "fashion"):
        readers[name], card = train_contrastive_reader(name, steps=3, n=64)
        assert len(card["loss"]) == 3 and card["names"]
        save_asset(readers[name], card, f"{name}/attributes", tmp_path)
    net, card = train_causal_classifier(steps=3, n=64)
    save_asset(net, card, "shapes-causal/classifier", tmp_path)
    vae, card = train_causal_vae(epochs=1, n=64)
    save_asset(vae, card, "shapes-causal/vae", tmp_path)
    back = zoo.load("shapes-causal/vae", root=tmp_path, raw=True)
    assert all(torch.equal(a.half().float(), b) for a, b in zip(vae.state_dict().values(), back.state_dict().values()))
    assert zoo.load_card("shapes-causal/attributes", tmp_path)["task"] == "reader"
    c = Contrastive(*zoo_parts(**CONTRASTIVE_PARTS["shapes-causal"], root=tmp_path)).fit(steps=3, latents_per_step=8)
    assert c.fitted and len(c.card["loss"]) == 3
    save_predictor(c, "shapes-causal/contrastive", tmp_path)
    d = Contrastive.from_zoo("shapes-causal/contrastive", root=tmp_path)
    assert all(torch.equal(a, b) for a, b in zip(c.predictor.state_dict().values(), d.predictor.state_dict().values()))
    f = Contrastive(*zoo_parts(**CONTRASTIVE_PARTS["fashion"], root=tmp_path))     # the reader from the recipe's folder, the rest from the shipped zoo
    assert f.model.zoo_name == "fashion/classifier" and f.generator.zoo_name == "fashion/vae" and f.names == ["large", "bright", "wide", "symmetric", "textured"]
    assert all(torch.equal(a.half().float(), b) for a, b in zip(readers["fashion"].state_dict().values(), f.attributes.model.state_dict().values()))


SHIPPED_ENTRIES = ["shapes-causal/classifier", "shapes-causal/attributes", "shapes-causal/vae", "fashion/attributes", "shapes-causal/contrastive", "fashion/contrastive"]


@pytest.mark.parametrize("name", SHIPPED_ENTRIES)
def test_shipped_entry_meets_its_card(name):
    "The contrastive method's zoo entries, re-measured as their recipe measured them (`asset_metrics`); a shift predictor on its two hardest codes."
    from cfx import zoo
    from cfx.methods.contrastive import Contrastive
    from cfx.train.worlds import asset_metrics
    card = zoo.load_card(name)
    k = card["metrics"]
    assert card["file"] == name.split("/")[1] + ".safetensors" and card["size_bytes"] == zoo.weights_file(name).stat().st_size
    if card["task"] == "shift-predictor":            # every code would take a minute on Fashion-MNIST: the two the predictor reaches least often
        c = Contrastive.from_zoo(name, show_progress=False)
        z = torch.randn(k["validity_n"], *c.generator.latent_shape, generator=torch.Generator().manual_seed(2))
        for code in sorted(k["validity_per_code"], key=k["validity_per_code"].get)[:2]:
            got = c.explain_latent(z, target={code[:-1]: 1 if code.endswith("+") else -1}).validity
            assert abs(got - k["validity_per_code"][code]) <= 0.02, (code, got, k["validity_per_code"][code])
        return
    try: got = asset_metrics(name)
    except FileNotFoundError as e: pytest.skip(f"{name}: its test images are not here ({e})")
    for key, v in k.items():
        if isinstance(v, float): assert abs(got[key] - v) <= (0.05 * v if "mse" in key else 0.005), (key, got[key], v)
