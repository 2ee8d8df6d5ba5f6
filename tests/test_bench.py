"""The SVCE benchmark runs in CI at smoke size (it prints figures; it never asserts a time)."""
import json, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_bench_svce_smoke(tmp_path):
    out = tmp_path / "bench.json"
    r = subprocess.run([sys.executable, str(ROOT / "tools" / "bench_svce.py"), "--smoke", "--json", str(out)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    print(r.stdout)
    assert "counterfactuals" in r.stdout or "cf/s" in r.stdout
    res = json.loads(out.read_text())
    assert [row["batch"] for row in res["rows"]] == [1, 4]
    for row in res["rows"]:
        assert row["cf_per_s"] > 0 and row["engine_s"] > 0 and row["bare_s"] > 0 and row["peak_mib"] >= 0
    assert "median_efficiency" in res


def test_bench_contrastive_smoke(tmp_path):
    out = tmp_path / "bench_contrastive.json"
    r = subprocess.run([sys.executable, str(ROOT / "tools" / "bench_contrastive.py"), "--smoke", "--json", str(out)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    res = json.loads(out.read_text())
    assert res["steps"] == 3 and res["latents"] == 16
    for k in ("fit_ms_per_step", "bare_fit_ms_per_step", "scores_latents_per_s", "bare_scores_latents_per_s", "fit_efficiency", "scores_efficiency"):
        assert res[k] > 0, (k, res)
    assert "ms/step" in r.stdout and "latents/s" in r.stdout
