"""The benchmarks run in CI at smoke size (they print figures; they never assert a time)."""
import json, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def smoke(script, tmp_path):
    "Run `tools/<script> --smoke --json ...`; return its stdout and the figures it wrote."
    out = tmp_path / "bench.json"
    r = subprocess.run([sys.executable, str(ROOT / "tools" / script), "--smoke", "--json", str(out)], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    print(r.stdout)
    return r.stdout, json.loads(out.read_text())


def test_bench_svce_smoke(tmp_path):
    stdout, res = smoke("bench_svce.py", tmp_path)
    assert "counterfactuals" in stdout or "cf/s" in stdout
    assert [row["batch"] for row in res["rows"]] == [1, 4]
    for row in res["rows"]:
        assert row["cf_per_s"] > 0 and row["engine_s"] > 0 and row["bare_s"] > 0 and row["peak_mib"] >= 0
    assert "median_efficiency" in res


def test_bench_latent_attack_smoke(tmp_path):
    stdout, res = smoke("bench_latent_attack.py", tmp_path)
    assert res["n"] == 4 and res["steps"] == 5
    for k in ("batched", "flat", "one_at_a_time"):
        assert res["cf_per_s"][k] > 0 and res["seconds"][k] > 0
    assert res["efficiency_latent"] > 0 and res["speedup_batched_vs_one_at_a_time"] > 0 and 0 <= res["validity"] <= 1
    assert "batched vs one at a time" in stdout and "engine efficiency on the latent space" in stdout
