"""The zoo: every recipe still trains (a few batches, loss falls) and every shipped model still meets its card.

CI does not retrain: recipes run for a few batches on a few images; shipped models are re-measured on the
evaluation sample their card was measured on (bundled Fashion-MNIST sample, or 1 000 `shapes` images, seed 2).
"""
import json
import pytest
import torch

from cfx.core.models import Classifier, Generator
from cfx import zoo
from cfx.zoo.nets import ConvVAE
from cfx.cli.zoo import zoo_cmd
from cfx.train.data import DATASETS, attribute_readout, pgd_l2
from cfx.train.recipes import RECIPES, smoke, eval_sample, hole_mse

MODELS = zoo.list_models()
# the zoo's own entries (made by a recipe of cfx.train); other folders of cfx/assets/zoo are tested by their owners
NAMES = [m["name"] for m in MODELS if m["name"] in RECIPES]
def _settings(r):
    "What a recipe's smoke run exercises: task, architecture and settings (which class or which world it sees does not matter)."
    hp = {k: (v is not None) if k == "label" else v for k, v in r.hparams.items() if k != "init"}
    return (r.task, r.arch, repr(r.arch_kwargs), repr(hp))

# one recipe per kind and settings: the per-class autoencoders, and a sibling world's copy of a recipe, differ only in their data
SMOKE = list({_settings(r): n for n, r in reversed(list(RECIPES.items()))}.values())[::-1]
CARD_KEYS = {"name", "task", "dataset", "description", "data", "file", "size_bytes", "arch", "normalization", "class_names",
             "recipe", "seed", "training", "metrics", "history", "reproduce"}


@pytest.fixture(autouse=True, scope="module")
def _threads():
    n = torch.get_num_threads(); torch.set_num_threads(1)   # small batches: one thread is as fast, and robust to a busy machine
    yield
    torch.set_num_threads(n)


@pytest.mark.parametrize("name", SMOKE)
def test_recipe_loss_falls(name):
    losses = smoke(name, n_batches=10)
    assert len(losses) == 10 and all(map(lambda v: v == v, losses)), losses
    assert sum(losses[-3:]) < sum(losses[:3]), f"{name}: loss did not fall: {losses}"


def test_zoo_is_complete_and_small():
    for must in ("fashion/classifier", "fashion/robust", "fashion/oracle", "fashion/vae", "fashion/infill-vae", "fashion/duq", "fashion/ae-all"):
        assert must in NAMES, f"{must} is not shipped"
    total = sum(m["size_bytes"] for m in MODELS)    # every entry: the recipes', the rule worlds', the contrastive method's (5.3 MiB, moved in from cfx/assets/contrastive)
    assert 0 < total < 40 * 2**20, total     # the package stays well under 50 MB (issue 20)
    for m in MODELS:
        assert set(m) >= {"name", "task", "dataset", "file", "size_bytes"}
        assert m["file"].endswith(".safetensors") and m["size_bytes"] > 0


@pytest.mark.parametrize("name", NAMES)
def test_card_is_complete(name):
    card = zoo.load_card(name)
    assert CARD_KEYS <= set(card), CARD_KEYS - set(card)
    assert card["reproduce"] == f"cfx train {name}"
    assert card["history"]["epoch"] and card["history"]["batch_loss"]
    assert card["training"]["seconds"] > 0
    json.dumps(card)  # plain JSON


def test_load_types_and_device():
    clf = zoo.load("fashion/classifier", device=torch.device("cpu"))
    assert isinstance(clf, Classifier) and clf.class_names[0] == "T-shirt/top" and not clf.model.training
    assert not any(p.requires_grad for p in clf.parameters())
    gen = zoo.load("fashion/vae", device="cpu")
    assert isinstance(gen, Generator) and gen.has_encoder and gen.latent_shape == (16,)
    x = gen.decode(torch.zeros(2, 16))
    assert x.shape == (2, 1, 28, 28) and 0 <= x.min() and x.max() <= 1
    assert isinstance(zoo.load("fashion/vae", raw=True), ConvVAE)
    with pytest.raises(ValueError, match="must be one of the zoo's models"): zoo.load("fashion/none")
    with pytest.raises(ValueError, match="must be '<dataset>/<model>'"): zoo.load("../fashion/classifier")
    with pytest.raises(ValueError, match="not a path"): zoo.load(str(zoo.zoo_dir() / "fashion" / "classifier"))
    with pytest.raises(TypeError, match="`name` must be a string"): zoo.load(3)


def test_zoo_cmd(capsys):
    zoo_cmd()
    out = capsys.readouterr().out
    assert "fashion/classifier" in out and "MiB" in out
    zoo_cmd("fashion/robust")
    assert "robust_accuracy" in capsys.readouterr().out


def _sample(dataset):
    return eval_sample(dataset)


@pytest.mark.parametrize("name", NAMES)
def test_shipped_model_meets_card(name):
    card = zoo.load_card(name)
    k, task = card["metrics"], card["task"]
    xs, ys = _sample(card["dataset"])
    with torch.no_grad():
        if task in zoo.CLASSIFIER_TASKS:
            acc = (zoo.load(name).predict(xs) == ys).float().mean().item()
            assert abs(acc - k["sample_accuracy"]) <= 0.005, (acc, k["sample_accuracy"])
        elif task == "duq":
            acc = (zoo.load(name)(xs).argmax(1) == ys).float().mean().item()
            assert abs(acc - k["sample_accuracy"]) <= 0.005, (acc, k["sample_accuracy"])
        elif task == "reader":
            d = DATASETS[card["dataset"]]
            ro = attribute_readout(zoo.load(name)(xs), d.targets["attributes"]("sample"), d.attributes)
            assert abs(sum(ro.values()) / len(ro) - k["sample_accuracy"]) <= 0.005, (ro, k["sample_accuracy"])
        elif task in zoo.GENERATOR_TASKS:
            g = zoo.load(name)
            mse = ((g.decode(g.encode(xs)) - xs) ** 2).mean().item()
            assert mse <= k["sample_recon_mse"] * 1.05 + 1e-4, (mse, k["sample_recon_mse"])
        elif task == "infill-vae":
            mse = hole_mse(zoo.load(name), xs)
            assert mse <= k["sample_hole_mse"] * 1.05 + 1e-4 and mse < k["mean_infill_hole_mse"], (mse, k)
        elif task == "autoencoder":
            c = card["recipe"]["hparams"].get("label")
            xc = xs if c is None else xs[ys == c]
            mse = ((zoo.load(name)(xc) - xc) ** 2).mean().item()
            assert mse <= k["sample_mse"] * 1.05 + 1e-4, (mse, k["sample_mse"])
            if c is not None and card["dataset"] == "fashion":   # class-specific (on `shapes` the background dominates the error)
                assert mse < k["other_classes_sample_mse"]
        else:
            pytest.fail(f"unknown task {task}")


@pytest.mark.parametrize("dataset", ["fashion", "shapes", "colour"])
def test_robust_model_is_robust(dataset):
    if f"{dataset}/robust" not in NAMES: pytest.skip(f"{dataset}/robust not shipped")
    card = zoo.load_card(f"{dataset}/robust")
    k = card["metrics"]
    xs, ys = _sample(dataset)
    x, y = xs[:k["sample_robust_n"]], ys[:k["sample_robust_n"]]
    rob, plain = zoo.load(f"{dataset}/robust"), zoo.load(f"{dataset}/classifier")
    def racc(m):
        xa = pgd_l2(m, x, y, k["robust_eps"], 20, g=torch.Generator().manual_seed(0))
        with torch.no_grad(): return (m.predict(xa) == y).float().mean().item()
    r = racc(rob)
    assert abs(r - k["sample_robust_accuracy"]) <= 0.03, (r, k["sample_robust_accuracy"])
    assert r > racc(plain) + 0.1


def test_train_cmd_reaches_the_rule_recipes(monkeypatch, capsys):
    "`cfx train shapes-rules/size` (and `shapes-rules` for all three) go to the rule section's `train_rule`, the rest to `train`."
    import cfx.cli.train as T
    from pathlib import Path
    card = json.loads((Path(T.__file__).parents[1] / "assets" / "zoo" / "shapes-rules" / "size.json").read_text())
    seen = []
    monkeypatch.setattr(T, "train_rule", lambda name, out, epochs: seen.append(("rule", name, epochs)) or card)
    monkeypatch.setattr(T, "train", lambda name, out, epochs: seen.append(("zoo", name, epochs)) or [])
    T.train_cmd("shapes-rules/size", out="x", epochs=1)
    T.train_cmd("shapes-rules", out="x")
    T.train_cmd("fashion/classifier", out="x")
    assert seen == [("rule", "shapes-rules/size", 1), *[("rule", n, None) for n in T.RULE_RECIPES], ("zoo", "fashion/classifier", None)]
    assert "shapes-rules/size" in capsys.readouterr().out
