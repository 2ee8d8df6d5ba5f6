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


def test_bench_fido_smoke(tmp_path):
    out = tmp_path / "bench_fido.json"
    r = subprocess.run([sys.executable, str(ROOT / "tools" / "bench_fido.py"), "--smoke", "--json", str(out)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    res = json.loads(out.read_text())
    assert [row["batch"] for row in res["rows"]] == [1, 2] and res["steps"] == 3
    for row in res["rows"]:
        assert row["renders_per_step"] == 8 * row["batch"]
        assert row["images_per_s"] > 0 and row["engine_s"] > 0 and row["same_graph_s"] > 0 and row["classifier_s"] > 0
        assert row["efficiency_classifier"] > 0 and row["efficiency_same_graph"] > 0
