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


def test_bench_disc_smoke(tmp_path):
    "DISC's benchmark at smoke size: every prior and batch size gives its figures; the pixel prior its efficiency."
    out = tmp_path / "bench_disc.json"
    r = subprocess.run([sys.executable, str(ROOT / "tools" / "bench_disc.py"), "--smoke", "--json", str(out)],
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    print(r.stdout)
    res = json.loads(out.read_text())
    assert [(row["prior"], row["batch"]) for row in res["rows"]] == [(p, b) for p in ("pixels", "dip", "inr") for b in (1, 2)]
    for row in res["rows"]:
        assert row["s_per_cf"] > 0 and row["steps"] > 0
        assert ("efficiency" in row) == (row["prior"] == "pixels")
        if row["prior"] != "pixels": assert row["n_params"] > 1000          # one network per image
    assert res["pixel_efficiency_median"] > 0
