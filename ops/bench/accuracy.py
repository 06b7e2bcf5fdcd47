"""make bench-accuracy: our backtests next to statsforecast's on the same data and folds.

Inputs (written by ops/scripts/bench-accuracy.sh): sales.csv (zero-filled daily series up to the
end date), ours.csv (our backtest rows: model, series, cutoff, ds, yhat, actual, class) and
ours.json (our per-model wall times, conformal coverage, and the per-class selection) and
first.csv (our AutoETS backtest in first-fold mode, shown as an extra row).
Every metric is computed here by one function for both sides, on the same points: the periods our
backtest scored (stockout periods, where demand is unknown, are excluded for everyone).
"""
import json
import os
import sys
import time

import numpy as np
import pandas as pd
from statsforecast import StatsForecast
from statsforecast.models import AutoETS, AutoTheta, CrostonOptimized, SeasonalNaive, TSB

workdir = sys.argv[1]
H, STEP, FOLDS, LEVEL = 28, 7, 4, 80

sales = pd.read_csv(os.path.join(workdir, "sales.csv"), parse_dates=["ds"])
ours = pd.read_csv(os.path.join(workdir, "ours.csv"), parse_dates=["cutoff", "ds"])
meta = json.load(open(os.path.join(workdir, "ours.json")))
series_count = sales["unique_id"].nunique()

# In-sample seasonal-naive scale (MASE denominator) per series and cutoff, from training data only.
def scales(cutoffs):
    out = {}
    for uid, g in sales.groupby("unique_id"):
        y = g.sort_values("ds")
        for c in cutoffs:
            train = y.loc[y["ds"] <= c, "y"].to_numpy()
            d = np.abs(train[7:] - train[:-7]) if train.size > 7 else np.array([])
            out[(uid, c)] = d.mean() if d.size and d.mean() > 0 else np.nan
    return out

cutoffs = sorted(ours["cutoff"].unique())
scale = scales(cutoffs)
scored = ours.loc[ours["model"] == ours["model"].iloc[0], ["unique_id", "cutoff", "ds", "actual"]].dropna()

def metrics(frame):
    """frame: unique_id, cutoff, ds, yhat[, lo, hi] joined to the scored points."""
    m = scored.merge(frame, on=["unique_id", "cutoff", "ds"], how="left")
    m["yhat"] = m["yhat"].fillna(0)
    e = m["yhat"] - m["actual"]
    wape = np.abs(e).sum() / np.abs(m["actual"]).sum()
    per = m.assign(ae=np.abs(e)).groupby(["unique_id", "cutoff"])["ae"].mean().reset_index()
    per["scale"] = [scale.get((u, c), np.nan) for u, c in zip(per["unique_id"], per["cutoff"])]
    mase = (per["ae"] / per["scale"]).replace([np.inf], np.nan).dropna().mean()
    cov = np.nan
    if "lo" in m and m["lo"].notna().any():
        cov = ((m["actual"] >= m["lo"]) & (m["actual"] <= m["hi"])).mean()
    return wape, mase, cov

rows = []
# ---- ours -------------------------------------------------------------------------------------
for model, seconds in meta["seconds"].items():
    f = ours.loc[ours["model"] == model, ["unique_id", "cutoff", "ds", "yhat"]]
    wape, mase, _ = metrics(f)
    rows.append(("ours", model, wape, mase, meta["conformal_coverage"].get(model, np.nan), seconds))
first_path = os.path.join(workdir, "first.csv")
if os.path.exists(first_path):
    first = pd.read_csv(first_path, parse_dates=["cutoff", "ds"])
    f = first.loc[first["model"] == "AutoETS", ["unique_id", "cutoff", "ds", "yhat"]]
    wape, mase, _ = metrics(f)
    rows.append(("ours", "AutoETS (first-fold: structure from the oldest fold)", wape, mase, np.nan, meta["first_fold_seconds"]))
sel = meta["selection"]
chosen = ours[ours.apply(lambda r: r["model"] == sel.get(r["class"], sel["all"]), axis=1)]
wape, mase, _ = metrics(chosen[["unique_id", "cutoff", "ds", "yhat"]])
rows.append(("ours", "Selected per demand class", wape, mase, np.nan, meta["selected_seconds"]))

# ---- statsforecast, same folds ----------------------------------------------------------------
models = {
    "SeasonalNaive": SeasonalNaive(season_length=7),
    "AutoETS": AutoETS(season_length=7),
    "AutoTheta": AutoTheta(season_length=7),
    "CrostonOptimized": CrostonOptimized(),
    "TSB": TSB(alpha_d=0.1, alpha_p=0.1),
}
df = sales.rename(columns={"y": "y"})
for name, model in models.items():
    sf = StatsForecast(models=[model], freq="D", n_jobs=int(os.environ.get("BENCH_JOBS", "2")))
    start = time.time()
    cv = sf.cross_validation(df=df, h=H, step_size=STEP, n_windows=FOLDS,
                             level=[LEVEL] if name in ("SeasonalNaive", "AutoETS", "AutoTheta") else None)
    seconds = time.time() - start
    cv = cv.reset_index() if "unique_id" not in cv.columns else cv
    col = [c for c in cv.columns if c not in ("unique_id", "ds", "cutoff", "y") and "-lo-" not in c and "-hi-" not in c][0]
    frame = cv.rename(columns={col: "yhat"})
    if f"{col}-lo-{LEVEL}" in cv.columns:
        frame = frame.rename(columns={f"{col}-lo-{LEVEL}": "lo", f"{col}-hi-{LEVEL}": "hi"})
    keep = [c for c in ("unique_id", "cutoff", "ds", "yhat", "lo", "hi") if c in frame.columns]
    wape, mase, cov = metrics(frame[keep])
    rows.append(("statsforecast", name, wape, mase, cov, seconds))

base = next(r for r in rows if r[0] == "ours" and r[1].startswith("SeasonalNaive"))[2]
print(f"\nbench-accuracy: {series_count} daily series, {FOLDS} folds x horizon {H} (step {STEP}), "
      f"{len(scored)} scored points, 2 cores; coverage = {LEVEL}% intervals (ours: conformal, cross-fold)")
print(f"{'side':<14} {'model':<58} {'WAPE':>7} {'vs SN':>7} {'MASE':>6} {'coverage':>9} {'time s':>8} {'series/s':>9}")
for side, model, wape, mase, cov, seconds in rows:
    cov_s = f"{100 * cov:.1f}%" if cov == cov else "-"
    rate = series_count * FOLDS / seconds if seconds and seconds > 0 else float("nan")
    print(f"{side:<14} {model[:58]:<58} {100 * wape:6.2f}% {wape / base:7.3f} {mase:6.3f} {cov_s:>9} {seconds:8.1f} {rate:9.1f}")
