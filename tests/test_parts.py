"""The parts of a method besides the classifier, end to end (issue 18): a generator, encoder or in-filler made for other images
is refused up front with both shapes (Python and `cfx explain`); NaN from one of them names it, not the model; `explain` works
under the caller's `torch.no_grad()` and on images that require gradients; progress bars never overshoot; class names are
targets; device strings are checked."""
import warnings

import pytest
import torch
from torch import nn
from tqdm import TqdmWarning

import cfx.core.models, cfx.core.results, cfx.methods.base
from cfx import zoo
from cfx.core.results import Explanation
from cfx.core.models import Generator
from cfx.data.shapes import Shapes
from cfx.data.fashion import load_fashion_sample
from cfx.methods.disc import DISC
from cfx.methods.fido import FIDO
from cfx.methods.latent_attack import LatentAttack
from cfx.methods.svce import SVCE
from test_cli import run_in


@pytest.fixture(scope="module")
def fashion():
    "The zoo's Fashion-MNIST classifier and VAE, and three sample images."
    torch.set_num_threads(1)
    return zoo.load("fashion/classifier"), zoo.load("fashion/vae"), load_fashion_sample()[0][:3]


def same_result(a, b) -> bool:
    "Every tensor of two explanations equal (meta aside: it holds the seconds taken)."
    return a.equals(type(a)(**{f: getattr(b, f) for f in cfx.core.results._TENSOR_FIELDS}, history=b.history, meta=a.meta))


def one_line_error(r, needle):
    "Exit status 2 and one line on stderr holding `needle`, no traceback."
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    assert r.returncode == 2 and len(lines) == 1 and needle in lines[0] and "Traceback" not in r.stderr, f"rc={r.returncode}\n{r.stderr[-3000:]}"


# --- a part made for other images: refused before any work, with both shapes

def test_cli_fido_infiller_for_other_images(tmp_path):
    r = run_in(tmp_path, "explain", "--method", "fido", "--set", "infiller=shapes/infill-vae", "--n", "1", "--steps", "2", "--quiet", "--out", "o")
    one_line_error(r, "`infiller` makes 3×32×32 images, `x` is 1×28×28")


def test_cli_latent_attack_generator_for_other_images(tmp_path):
    r = run_in(tmp_path, "explain", "--method", "latent-attack", "--set", "generator=shapes/vae", "--n", "1", "--steps", "2", "--quiet", "--out", "o")
    one_line_error(r, "`generator` makes 3×32×32 images, `x` is 1×28×28")


def test_parts_for_other_images(fashion):
    clf, _, x = fashion
    with pytest.raises(ValueError, match="`infiller` makes 3×32×32 images, `x` is 1×28×28"):
        FIDO(clf, infiller="shapes/infill-vae", steps=2, show_progress=False).explain(x)
    with pytest.raises(ValueError, match="`generator` makes 3×32×32 images, `x` is 1×28×28"):
        LatentAttack(clf, zoo.load("shapes/vae"), steps=2, show_progress=False).explain(x)
    xs = Shapes().sample(2, seed=0).images                                            # 3×32×32 images, 1×28×28 parts
    sclf = zoo.load("shapes/classifier")
    with pytest.raises(ValueError, match="`infiller` makes 1×28×28 images, `x` is 3×32×32"):
        FIDO(sclf, infiller="fashion/infill-vae", steps=2, show_progress=False).explain(xs)
    with pytest.raises(ValueError, match="`generator` makes 1×28×28 images, `x` is 3×32×32"):
        LatentAttack(sclf, zoo.load("fashion/vae"), steps=2, show_progress=False).explain(xs)


def test_shape_check_changes_no_result(fashion, monkeypatch):
    "The up-front check draws no random numbers: a sampling in-filler gives what it gave without the check."
    import cfx.engine.spaces
    clf, _, x = fashion
    f = FIDO(clf, infiller="fashion/infill-vae", steps=3, samples=2, show_progress=False)
    checked = f.explain(x, seed=1)
    calls = []
    for mod in (cfx.methods.base, cfx.engine.spaces): monkeypatch.setattr(mod, "check_infiller", lambda *a, **k: calls.append(1))
    unchecked = f.explain(x, seed=1)
    assert calls and same_result(checked, unchecked)


# --- NaN from a part names that part

class _NaNDecoder(nn.Module):
    def __init__(self, dec): super().__init__(); self.dec = dec
    def forward(self, z): return self.dec(z) * float("nan")


class _NaNEncoder(nn.Module):
    def __init__(self, enc): super().__init__(); self.enc = enc
    def forward(self, x): mu, lv = self.enc(x); return mu * float("nan"), lv


def _broken_warning(fn):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        e = fn()
    msgs = [str(m.message) for m in w if "during the search" in str(m.message)]
    assert len(msgs) == 1, [str(m.message) for m in w]
    return e, msgs[0]


def test_nan_generator_encoder_infiller_are_named(fashion):
    clf, g, x = fashion
    for gen, part in ((Generator(_NaNDecoder(g.decoder), g.latent_shape, encoder=g.encoder), "generator"),
                      (Generator(g.decoder, g.latent_shape, encoder=_NaNEncoder(g.encoder)), "encoder")):
        e, msg = _broken_warning(lambda: LatentAttack(clf, gen, steps=3, show_progress=False).explain(x))
        assert msg.startswith(f"latent-attack: `{part}` returned NaN or Inf for image(s) [0, 1, 2]") and "the model" not in msg, msg
        assert not e.success.any() and torch.equal(e.x_cf, e.x)

    class NaNFill(nn.Module):
        def infill(self, x, keep): return x * float("nan")
    e, msg = _broken_warning(lambda: FIDO(clf, infiller=NaNFill(), steps=3, samples=2, show_progress=False).explain(x))
    assert msg.startswith("fido: `infiller` returned NaN or Inf for image(s) [0, 1, 2]") and "the model" not in msg, msg


def test_nan_model_still_the_models(fashion):
    "Finite images, NaN logits: the classifier is named, as before."
    clf, _, x = fashion
    nan_late = cfx.core.models.Classifier(lambda z: torch.where((z - x[:1]).abs().amax((1, 2, 3))[:, None] > 0.02, clf(z) * float("nan"), clf(z)))
    e, msg = _broken_warning(lambda: SVCE(nan_late, steps=3, show_progress=False).explain(x[:1]))
    assert msg.startswith("svce: the model returned NaN or Inf for image(s) [0]"), msg


# --- the caller's grad mode and x

@pytest.mark.parametrize("make", [lambda c, g: SVCE(c, steps=3, show_progress=False),
                                  lambda c, g: FIDO(c, steps=3, samples=2, show_progress=False),
                                  lambda c, g: LatentAttack(c, g, steps=3, show_progress=False)], ids=["svce", "fido", "latent-attack"])
def test_explain_under_no_grad_and_with_requires_grad(fashion, make):
    clf, g, x = fashion
    ex = make(clf, g)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")                                                # the latent attack's reconstruction notice
        ref = ex.explain(x, seed=0)
        with torch.no_grad():
            quiet = ex.explain(x, seed=0)
            assert not torch.is_grad_enabled()
        xg = x.clone().requires_grad_(True); xg.grad = torch.full_like(x, 0.5)
        held = ex.explain(xg, seed=0)
    assert torch.is_grad_enabled()
    assert same_result(quiet, ref) and same_result(held, ref)
    assert xg.requires_grad and torch.equal(xg.grad, torch.full_like(x, 0.5)) and torch.equal(xg.detach(), x)
    with torch.inference_mode(), pytest.raises(RuntimeError, match="cannot run under torch.inference_mode"):
        ex.explain(x)


# --- progress bars

@pytest.fixture
def eager_bars(monkeypatch):
    "Bars that draw at every update (tqdm otherwise draws at most every 0.1 s, and an overshoot shows only by chance)."
    orig = cfx.methods.base._progress
    def eager(total, desc, show):
        bar = orig(total, desc, show)
        bar.mininterval, bar.miniters, bar.dynamic_miniters = 0, 0, False
        return bar
    monkeypatch.setattr(cfx.methods.base, "_progress", eager)


@pytest.mark.parametrize("make", [lambda c, g: FIDO(c, steps=9, samples=2),                    # 9 additions of 1/9 make more than 1
                                  lambda c, g: DISC(c, steps=(0, 5, 5, 5, 5)),  # 4 stages × 5 steps: 20 additions of 1/20
                                  lambda c, g: LatentAttack(c, g, steps=9, tau=0.99)], ids=["fido", "disc", "latent-attack"])
def test_progress_never_overshoots(fashion, eager_bars, make):
    clf, g, x = fashion
    ex = make(clf, g)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warnings.simplefilter("error", TqdmWarning)                                    # "clamping frac to range [0, 1]"
        e = ex.explain(x[:1], show_progress=True)
    assert len(e) == 1


# --- class names as targets

def test_class_names_as_targets(fashion):
    clf, _, x = fashion
    svce = SVCE(clf, steps=2, show_progress=False)
    by_name, by_index = svce.explain(x, target="Sneaker", seed=0), svce.explain(x, target=7, seed=0)
    assert by_name.target.tolist() == [7, 7, 7] and same_result(by_name, by_index)
    assert svce.explain(x, target=["Bag", 7, "sandal"], seed=0).target.tolist() == [8, 7, 5]
    with pytest.raises(ValueError, match="Did you mean 'Sneaker'"):
        svce.explain(x, target="Snaeker")


# --- device strings

def test_device_strings(fashion, tmp_path):
    clf, _, x = fashion
    forms = "`device` must be 'cpu', 'cuda', 'cuda:K', 'mps' or a torch.device, got 'nosuch'"
    with pytest.raises(ValueError, match=forms): zoo.load("fashion/classifier", device="nosuch")
    e = SVCE(clf, steps=1, show_progress=False).explain(x[:1])
    path = e.save(tmp_path / "e.safetensors")
    with pytest.raises(ValueError, match=forms): Explanation.load(path, device="nosuch")
    with pytest.raises(ValueError, match=forms): e.to("nosuch")
    assert Explanation.load(path, device="cpu").equals(e)
