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


def test_bench_scale_smoke(tmp_path):
    "Dataset-scale runs: throughput for 1 and 2 processes and the scaling rows exist, with the figures the chapter plots."
    out = tmp_path / "bench_scale.json"
    r = subprocess.run([sys.executable, str(ROOT / "tools" / "bench_scale.py"), "--smoke", "--json", str(out)],
                       capture_output=True, text=True, timeout=1200)
    assert r.returncode == 0, r.stderr[-3000:]
    print(r.stdout)
    res = json.loads(out.read_text())
    assert [(row["processes"], row["threads"]) for row in res["throughput"]] == [(1, 1), (1, 2), (2, 1)]
    for row in res["throughput"]:
        assert row["n"] == 64 and row["img_per_s"] > row["img_per_s_wall"] > 0 and row["bare_img_per_s"] > 0 and row["vs_bare"] > 0
    assert [(row["processes"], row["n"]) for row in res["scaling"]] == [(1, 64), (1, 128), (2, 64), (2, 128)]
    for row in res["scaling"]:
        assert row["in_run_s"] > 0 and row["peak_rss_mib"] > 50 and len(row["peak_rss_mib_ranks"]) == row["processes"]
