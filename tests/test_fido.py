"""`cfx explain --method fido` (and bbmp's class through the same hook) end to end: the installed console script."""
import json

from test_cli import explained, run_in, run_here   # the installed `cfx` script, in a subprocess from `cwd` (explained: it succeeds and writes
                                                 # every output); run_here: the same in this process, for errors that stop before any work


def test_explain_method_fido_writes_saliency(tmp_path):
    _, e = explained(tmp_path, "explain", "--method", "fido", "--model", "fashion/classifier", "--n", "2", "--target", "pred",
                     "--steps", "4", "--set", "samples=2,objective=sdr,lam=20", "--quiet", "--out", "out")
    assert e.meta["method"] == "fido" and e.saliency.shape == (2, 1, 28, 28) and e.mask.shape == (2, 1, 28, 28)
    assert e.meta["params"]["objective"] == "sdr" and e.meta["params"]["samples"] == 2 and e.meta["params"]["steps"] == 4
    assert (e.target == e.y).all() and e.meta["target_mode"] == "pred"
    assert json.loads((tmp_path / "out" / "metrics.json").read_text())["n"] == 2


def test_explain_method_fido_generative_infiller(tmp_path):
    "`--set infiller=vae` takes the zoo in-filler of the model's dataset."
    _, e = explained(tmp_path, "explain", "--method", "fido", "--model", "shapes/classifier", "--n", "1",    # no --target: fido's own (pred)
                     "--steps", "2", "--set", "infiller=vae,samples=2,mask_size=(4,4)", "--quiet", "--oracle", "none", "--out", "out")
    assert e.meta["params"]["infiller"] == "GenerativeInFill(shapes/infill-vae, sample=True)" and e.saliency.shape == (1, 1, 32, 32)
    assert e.meta["target_mode"] == "pred" and (e.target == e.y).all()               # the CLI leaves the method's default target alone
    assert tuple(e.meta["params"]["mask_size"]) == (4, 4)                               # a tuple from --set keeps its ints


def test_explain_method_fido_bad_options_are_one_line(tmp_path):
    for opts, needle in ((["--set", "objective=both"], "`objective` must be 'ssr'"), (["--eps", "2"], "`--eps` does not apply to --method fido"),
                         (["--set", "infiller=gan"], "`infiller` must be one of")):
        r = run_here(tmp_path, "explain", "--method", "fido", "--n", "1", "--steps", "2", "--quiet", "--out", "o", *opts)
        lines = [l for l in r.stderr.splitlines() if l.strip()]
        assert r.returncode == 2 and len(lines) == 1 and needle in lines[0] and "Traceback" not in r.stderr, r.stderr[-2000:]


def test_explain_method_fido_float_mask_size_is_one_line(tmp_path):
    "`--set mask_size=7.0` (or a pair of floats) gets the one-line message naming `mask_size`, not a TypeError (issue 18 §3)."
    for value, needle in (("7.0", "`mask_size`"), ("(7.0,7.0)", "got (7.0, 7.0); write (7, 7)")):
        r = run_here(tmp_path, "explain", "--method", "fido", "--n", "1", "--steps", "2", "--quiet", "--out", "o", "--set", f"mask_size={value}")
        lines = [l for l in r.stderr.splitlines() if l.strip()]
        assert r.returncode == 2 and len(lines) == 1 and needle in lines[0], r.stderr[-2000:]
        assert "Traceback" not in r.stderr and "TypeError" not in r.stderr and "not iterable" not in r.stderr
