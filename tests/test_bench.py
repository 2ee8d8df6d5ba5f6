"""The benchmark scripts run in CI at smoke size: they must produce every figure they promise (they never assert a time)."""
import json, math, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(script, tmp_path):
    out = tmp_path / "bench.json"
    r = subprocess.run([sys.executable, str(ROOT / "tools" / script), "--smoke", "--json", str(out)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    print(r.stdout)
    return r.stdout, json.loads(out.read_text())


def _positive(v): return isinstance(v, float) and math.isfinite(v) and v > 0


def test_bench_svce_smoke(tmp_path):
    stdout, res = _run("bench_svce.py", tmp_path)
    assert [row["batch"] for row in res["rows"]] == [1, 4]
    for row in res["rows"]:
        assert all(_positive(row[k]) for k in ("cf_per_s", "engine_s", "bare_s", "efficiency", "efficiency_min", "efficiency_max")), row
        assert row["efficiency_min"] <= row["efficiency"] <= row["efficiency_max"]
        assert 0 < row["steady_efficiency"] <= 1
        assert isinstance(row["engine_us_per_step"], float) and math.isfinite(row["engine_us_per_step"])   # a difference of medians: noise may make it small
        assert row["steps"] == 5 and isinstance(row["peak_mib"], float)
        assert f"{row['batch']:>6} " in stdout                       # one table line per batch size
    assert _positive(res["median_efficiency"]) and _positive(res["speedup_batch4_vs_one_at_a_time"])


def test_bench_engine_smoke(tmp_path):
    stdout, res = _run("bench_engine.py", tmp_path)
    assert [(r["space"], r["batch"]) for r in res["rows"]] == [("mask", 2), ("latent", 2)]
    mask, latent = res["rows"]
    assert mask["renders_per_step"] == 16 and latent["renders_per_step"] == 2    # 8 Monte-Carlo masks per image; one decode
    for row in res["rows"]:
        assert all(_positive(row[k]) for k in ("engine_s", "same_graph_s", "classifier_s", "explanations_per_s",
                                                "efficiency_classifier", "efficiency_same_graph")), row
        assert f"{row['space']:>7} {row['batch']:>6}" in stdout


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
    assert [(row["processes"], row["n"]) for row in res["scaling"]] == [(1, 64), (2, 64)]
    for row in res["scaling"]:
        assert row["in_run_s"] > 0 and row["peak_rss_mib"] > 50 and len(row["peak_rss_mib_ranks"]) == row["processes"]


def test_bench_fido_smoke(tmp_path):
    stdout, res = _run("bench_fido.py", tmp_path)
    assert [row["batch"] for row in res["rows"]] == [1, 2] and res["steps"] == 3
    for row in res["rows"]:
        assert row["renders_per_step"] == 8 * row["batch"] and row["steps"] == 3   # 8 Monte-Carlo masks per image
        assert all(_positive(row[k]) for k in ("images_per_s", "engine_s", "same_graph_s", "classifier_s",
                                                "efficiency_classifier", "efficiency_same_graph")), row
        assert f"{row['batch']:>6} {row['renders_per_step']:>8} " in stdout      # one table line per batch size


def test_bench_latent_attack_smoke(tmp_path):
    stdout, res = _run("bench_latent_attack.py", tmp_path)
    assert res["n"] == 4 and res["steps"] == 5
    for k in ("batched", "flat", "one_at_a_time"):
        assert _positive(res["cf_per_s"][k]) and _positive(res["seconds"][k]), (k, res)
    assert _positive(res["efficiency_latent"]) and _positive(res["speedup_batched_vs_one_at_a_time"]) and 0 <= res["validity"] <= 1
    assert "batched vs one at a time" in stdout and "engine efficiency on the latent space" in stdout


def test_bench_contrastive_smoke(tmp_path):
    stdout, res = _run("bench_contrastive.py", tmp_path)
    assert res["steps"] == 3 and res["latents"] == 16
    for k in ("fit_ms_per_step", "bare_fit_ms_per_step", "scores_latents_per_s", "bare_scores_latents_per_s", "fit_efficiency", "scores_efficiency"):
        assert _positive(res[k]), (k, res)
    assert "ms/step" in stdout and "latents/s" in stdout


def test_bench_disc_smoke(tmp_path):
    "DISC's benchmark at smoke size: every prior and batch size gives its figures; the pixel prior its efficiency."
    stdout, res = _run("bench_disc.py", tmp_path)
    assert [(row["prior"], row["batch"]) for row in res["rows"]] == [(p, 2) for p in ("pixels", "dip", "inr")]
    for row in res["rows"]:
        assert _positive(row["s_per_cf"]) and _positive(row["steps"]), row
        assert ("efficiency" in row) == (row["prior"] == "pixels")
        if row["prior"] != "pixels": assert row["n_params"] > 1000 and isinstance(row["mib_per_img"], float)   # one network per image
    assert _positive(res["pixel_efficiency_median"])


def test_bench_224_smoke(tmp_path):
    "Issue 20: every method on a ResNet-50 at 224×224 — at smoke size SVCE and FIDO, one image, one step, with a memory budget."
    stdout, rows = _run("bench_224.py", tmp_path)
    assert [r["method"] for r in rows] == ["svce", "fido"], stdout
    for r in rows:
        assert r["batch"] == 1 and r["steps"] == 1 and isinstance(r["chunk"], int) and r["chunk"] >= 1, r
        assert all(_positive(float(r[k])) for k in ("seconds", "bare_seconds")), r
    assert "memory budget 1.0 GiB" in stdout and "peak MiB" in stdout
