"""make bench-real: the worker's weekly backtest next to reference models on real retail panels.

Usage: real_bench.py WORKDIR DATASET [DATASET ...]
For each dataset, WORKDIR/DATASET holds panel.csv (from real_data.py), ours.csv (the worker's
forecast.backtest_results: model, series, fold, cutoff, ds, yhat, actual) and seconds.json (the
worker's wall time). The references are fitted here on the same cutoffs and horizons:
statsforecast AutoETS, AutoTheta and SeasonalNaive (season 52) on log(1 + y), and a LightGBM
model with the usual lag, price and promotion features. One scorer judges everyone on the same
points: the periods the worker scored from the second fold on (the out-of-sample Selected
forecast chooses on earlier folds, so it has no forecast for the oldest one); weeks with unknown
demand (holes in the panel) are excluded for everyone. Under each table:
- how firm the Selected-vs-best-reference WAPE and MAPE ratios are on that panel: a paired
  bootstrap over cutoffs, and the WAPE ratio without the single largest-volume point (on a panel of
  a few series, one promotion week can carry a fifth of the volume);
- where the error is: WAPE and MAPE of Selected and the best reference by week kind (regular,
  promotion, deep discount), from the planned price and promotion;
- how much the LightGBM reference itself moves with its histogram resolution (max_bin), reported
  only: the table and the `selected_vs_best_reference` line use LightGBM's default;
- robust forms of the LightGBM reference, scored in the table too: its predictions averaged in log
  units over the five max_bin settings, and a bagged form (five models on 80% row samples, seeds
  0..4, averaged in log units). The statsforecast references have no seed or histogram: they are
  their own robust form. `selected_vs_robust_reference` is the worst dataset's Selected WAPE over the
  best robust reference's WAPE (`..._mape`: the same for MAPE).
"""
import json
import os
import sys
import time
import warnings

warnings.filterwarnings("ignore")

import numpy as np
import pandas as pd

H = 3
REFS = ["sf AutoETS[log1p]", "sf AutoTheta[log1p]", "sf SeasonalNaive(52)[log1p]", "LightGBM[log1p]"]
AVERAGED = "LightGBM[log1p] mean of 5 max_bin"
BAGGED = "LightGBM[log1p] bagged 5x80%"
# What the robust target compares with: references whose score is not one draw of a seed or a binning.
ROBUST = ["sf AutoETS[log1p]", "sf AutoTheta[log1p]", "sf SeasonalNaive(52)[log1p]", AVERAGED, BAGGED]
BAGS = 5


def regular(panel):
    """Every series on a regular weekly grid (holes filled by linear interpolation, for training only)."""
    out = []
    for uid, g in panel.groupby("unique_id"):
        g = g.set_index("ds").sort_index()
        idx = pd.date_range(g.index.min(), g.index.max(), freq="7D")
        g = g.reindex(idx)
        g["unique_id"] = uid
        for c in ("y", "price", "promo"):
            g[c] = g[c].interpolate().bfill().ffill() if c != "promo" else g[c].fillna(0)
        out.append(g.rename_axis("ds").reset_index())
    return pd.concat(out, ignore_index=True)


def statsforecast_refs(grid, cutoffs):
    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS, AutoTheta, SeasonalNaive
    rows, seconds = [], {}
    models = [("sf AutoETS[log1p]", AutoETS(season_length=52)), ("sf AutoTheta[log1p]", AutoTheta(season_length=52)),
              ("sf SeasonalNaive(52)[log1p]", SeasonalNaive(season_length=52))]
    for name, model in models:
        t0 = time.time()
        for c in cutoffs:
            train = grid[grid.ds <= c][["unique_id", "ds", "y"]].copy()
            train["y"] = np.log1p(train["y"].clip(lower=0))
            fc = StatsForecast(models=[model], freq="7D", n_jobs=1).forecast(df=train, h=H)
            col = [k for k in fc.columns if k not in ("unique_id", "ds")][0]
            fc = fc.reset_index() if "unique_id" not in fc.columns else fc
            # Where a model gives no value (season longer than the history), the last value serves (naive).
            last = train.groupby("unique_id")["y"].last()
            value = fc[col].fillna(fc["unique_id"].map(last))
            rows.append(pd.DataFrame({"model": name, "unique_id": fc["unique_id"], "cutoff": c, "ds": fc["ds"],
                                      "yhat": np.expm1(value).clip(lower=0)}))
        seconds[name] = time.time() - t0
    return rows, seconds


def lightgbm_ref(grid, cutoffs, variants=()):
    """The LightGBM reference; and, for each `variants` max_bin, the same model at that histogram
    resolution (reported as the reference's spread, never scored as a reference)."""
    import lightgbm as lgb
    t0 = time.time()
    g = grid.sort_values(["unique_id", "ds"]).copy()
    g["ly"] = np.log1p(g["y"].clip(lower=0))
    g["woy"] = g["ds"].dt.isocalendar().week.astype(int)
    feats = []
    for uid, s in g.groupby("unique_id", sort=False):
        s = s.reset_index(drop=True)
        ly, price, promo = s["ly"].to_numpy(), s["price"].to_numpy(), s["promo"].to_numpy()
        for t in range(13, len(s)):
            base = dict(unique_id=uid, origin=s.ds[t], l1=ly[t], l2=ly[t - 1], l3=ly[t - 2], l4=ly[t - 3],
                        m4=ly[t - 3:t + 1].mean(), m13=ly[t - 12:t + 1].mean(), sd13=ly[t - 12:t + 1].std(),
                        promo0=promo[t], ref_price=price[t - 12:t + 1].mean(), reg_price=price[t - 12:t + 1].max())
            for h in range(1, H + 1):
                if t + h >= len(s):
                    break
                feats.append(dict(base, h=h, ds=s.ds[t + h], woy=s.woy[t + h], promo=promo[t + h],
                                  price_ratio=price[t + h] / base["ref_price"], disc=1 - price[t + h] / base["reg_price"],
                                  target=ly[t + h] - base["m4"]))
    f = pd.DataFrame(feats)
    cols = ["h", "l1", "l2", "l3", "l4", "m4", "m13", "sd13", "promo0", "promo", "price_ratio", "disc", "woy"]
    rows, seconds = [], {}
    for max_bin in (None,) + tuple(variants):
        name = "LightGBM[log1p]" if max_bin is None else spread_name(max_bin)
        for c in cutoffs:
            train = f[f.ds <= c]
            test = f[(f.origin == c - pd.Timedelta(days=6))]
            train = train[train.ds <= c]
            params = dict(objective="l1", learning_rate=0.05, num_leaves=15, min_data_in_leaf=10, seed=0,
                          num_threads=1, verbose=-1, deterministic=True)
            if max_bin is not None:
                params["max_bin"] = max_bin
            model = lgb.train(params, lgb.Dataset(train[cols], train["target"]), num_boost_round=300)
            pred = np.expm1(model.predict(test[cols]) + test["m4"].to_numpy()).clip(min=0)
            rows.append(pd.DataFrame({"model": name, "unique_id": test.unique_id, "cutoff": c, "ds": test.ds, "yhat": pred}))
        if max_bin is None:
            seconds[name] = time.time() - t0
    # Robust forms: the five binnings averaged in log units, and a bagged model (seeds 0..4, 80% of
    # the rows each, averaged in log units); both on the same features, target and folds.
    t1 = time.time()
    binned = pd.concat([r for r in rows if r.model.iloc[0] in ["LightGBM[log1p]"] + [spread_name(b) for b in variants]])
    binned = binned.assign(ly=np.log1p(binned.yhat)).groupby(["unique_id", "cutoff", "ds"], as_index=False).ly.mean()
    rows.append(pd.DataFrame({"model": AVERAGED, "unique_id": binned.unique_id, "cutoff": binned.cutoff, "ds": binned.ds,
                              "yhat": np.expm1(binned.ly)}))
    seconds[AVERAGED] = seconds["LightGBM[log1p]"] * (1 + len(variants))
    for c in cutoffs:
        train = f[(f.ds <= c)]
        test = f[(f.origin == c - pd.Timedelta(days=6))]
        logs = []
        for seed in range(BAGS):
            params = dict(objective="l1", learning_rate=0.05, num_leaves=15, min_data_in_leaf=10, seed=seed,
                          bagging_seed=seed, bagging_fraction=0.8, bagging_freq=1, num_threads=1, verbose=-1, deterministic=True)
            model = lgb.train(params, lgb.Dataset(train[cols], train["target"]), num_boost_round=300)
            logs.append(model.predict(test[cols]) + test["m4"].to_numpy())
        pred = np.expm1(np.mean(logs, axis=0)).clip(min=0)
        rows.append(pd.DataFrame({"model": BAGGED, "unique_id": test.unique_id, "cutoff": c, "ds": test.ds, "yhat": pred}))
    seconds[BAGGED] = time.time() - t1
    return rows, seconds


# LightGBM's histogram resolution (its default, 255, is the reference's): on a panel of a few
# series, where a handful of deep-discount weeks carry much of the volume, the bins decide which
# of those weeks a leaf can isolate, so the reference's own WAPE moves with them.
SPREAD_BINS = (63, 127, 511, 1023)


def spread_name(max_bin):
    return f"LightGBM[log1p] max_bin={max_bin}"


def references(name, grid, cutoffs):
    """Reference forecasts, cached in .bench-data by a hash of the panel, the cutoffs and this file
    (the references do not change when only the worker does; delete the cache to refit)."""
    import hashlib
    key = hashlib.sha256(pd.util.hash_pandas_object(grid, index=False).values.tobytes()
                         + str(list(cutoffs)).encode() + open(__file__, "rb").read()).hexdigest()[:16]
    cache = os.path.join(os.environ.get("BENCH_DATA", ".bench-data"), f"refs-{name}-{key}")
    if os.path.exists(cache + ".csv"):
        return pd.read_csv(cache + ".csv", parse_dates=["cutoff", "ds"]), json.load(open(cache + ".json"))
    rows, secs = statsforecast_refs(grid, cutoffs)
    lrows, lsecs = lightgbm_ref(grid, cutoffs, SPREAD_BINS)
    secs.update(lsecs)
    ref = pd.concat(rows + lrows, ignore_index=True)
    os.makedirs(os.path.dirname(cache), exist_ok=True)
    ref.to_csv(cache + ".csv", index=False)
    json.dump(secs, open(cache + ".json", "w"))
    return ref, secs


def joined(points, forecasts):
    """The forecasts on the scored points, in `points` order (a missing forecast: NaN)."""
    return points.merge(forecasts[["unique_id", "cutoff", "ds", "yhat"]], on=["unique_id", "cutoff", "ds"], how="left")


def score(points, forecasts, scale):
    m = joined(points, forecasts)
    missing = m["yhat"].isna().sum()
    m["yhat"] = m["yhat"].fillna(0)
    e = m["yhat"] - m["actual"]
    nz = m["actual"] > 0
    s = m.apply(lambda r: scale.get((r.unique_id, r.cutoff), np.nan), axis=1)
    return dict(n=len(m), missing=int(missing), MAPE=100 * (e[nz].abs() / m.loc[nz, "actual"]).mean(),
                WAPE=100 * e.abs().sum() / m["actual"].sum(), MASE=(e.abs() / s).mean(), bias=100 * e.sum() / m["actual"].sum())


def point_errors(points, forecasts):
    """Absolute error per scored point, in `points` order (a missing forecast counts as 0)."""
    m = joined(points, forecasts)
    return (m["yhat"].fillna(0) - m["actual"]).abs().to_numpy()


def week_kinds(points, panel):
    """Each scored point's kind, from its planned price and promotion: "deep discount" (a price at
    least 15% below the regular one: the highest price in the 13 weeks up to the cutoff),
    "promotion" (another discount or any promotion), or "regular"."""
    regular = {}
    for (uid, c), _ in points.groupby(["unique_id", "cutoff"]):
        g = panel[(panel.unique_id == uid) & (panel.ds <= c) & (panel.ds > c - pd.Timedelta(weeks=13))]
        regular[(uid, c)] = g.price.max()
    m = points.merge(panel[["unique_id", "ds", "price", "promo"]], on=["unique_id", "ds"], how="left")
    ratio = m.price.to_numpy() / np.array([regular[(u, c)] for u, c in zip(m.unique_id, m.cutoff)])
    return np.where(ratio <= 0.85, "deep discount", np.where((ratio < 0.98) | (m.promo.to_numpy() > 0), "promotion", "regular"))


def by_kind(points, kinds, forecasts, scale):
    """Per week kind: points, share of the scored volume, and per model (name -> forecasts) its
    `score` over that kind's points."""
    out = []
    for kind in ("regular", "promotion", "deep discount"):
        k = kinds == kind
        if k.any():
            subset = points[k]
            out.append((kind, int(k.sum()), subset["actual"].sum() / points["actual"].sum(),
                        {name: score(subset, f, scale) for name, f in forecasts.items()}))
    return out


def robustness(points, ours_errors, ref_errors, ref_mape_errors, draws=2000, seed=0):
    """How firm the WAPE and MAPE ratios on a small panel are: a paired bootstrap over cutoffs
    (the rolling origins are the blocks; points of one origin share its information, so they are
    resampled together), and the WAPE ratio without the single largest-volume point.
    `ref_errors` / `ref_mape_errors`: the best reference by WAPE / by MAPE."""
    actual = points["actual"].to_numpy()
    cut = points["cutoff"].to_numpy()
    blocks = [np.flatnonzero(cut == c) for c in np.unique(cut)]
    nonzero = actual > 0  # MAPE over non-zero actuals, as `score`
    ours_pct = np.where(nonzero, ours_errors, np.nan) / np.where(nonzero, actual, 1)
    ref_pct = np.where(nonzero, ref_mape_errors, np.nan) / np.where(nonzero, actual, 1)
    rng = np.random.default_rng(seed)
    wape, mape = [], []
    for _ in range(draws):
        idx = np.concatenate([blocks[i] for i in rng.integers(0, len(blocks), len(blocks))])
        wape.append(ours_errors[idx].sum() / ref_errors[idx].sum())
        mape.append(np.nanmean(ours_pct[idx]) / np.nanmean(ref_pct[idx]))
    wape, mape = np.array(wape), np.array(mape)
    top = int(np.argmax(actual))
    keep = np.arange(len(actual)) != top
    return dict(low=np.quantile(wape, 0.05), high=np.quantile(wape, 0.95), wins=(wape < 1).mean(),
                mape_low=np.quantile(mape, 0.05), mape_high=np.quantile(mape, 0.95), mape_wins=(mape < 1).mean(),
                top_share=actual[top] / actual.sum(), without_top=ours_errors[keep].sum() / ref_errors[keep].sum())


def main():
    workdir, datasets = sys.argv[1], sys.argv[2:]
    worst = worst_robust = worst_robust_mape = 0.0
    for name in datasets:
        d = os.path.join(workdir, name)
        panel = pd.read_csv(os.path.join(d, "panel.csv"), parse_dates=["ds"])
        panel["unique_id"] = panel.item_id + "/" + panel.location_id
        ours = pd.read_csv(os.path.join(d, "ours.csv"), parse_dates=["cutoff", "ds"])
        ours["unique_id"] = ours.item_id + "/" + ours.location_id
        meta = json.load(open(os.path.join(d, "seconds.json")))
        folds = sorted(ours.fold.unique())
        scored = ours[(ours.fold >= 1) & ours.actual.notna()]
        points = scored[scored.model == "Selected"][["unique_id", "cutoff", "ds", "actual"]].drop_duplicates()
        cutoffs = sorted(pd.to_datetime(ours[ours.fold >= 1].cutoff.unique()))
        grid = regular(panel)
        # MASE scale: mean absolute one-week change in each series' training data.
        scale = {}
        for uid, g in panel.groupby("unique_id"):
            g = g.sort_values("ds")
            for c in cutoffs:
                y = g.loc[g.ds <= c, "y"].to_numpy()
                scale[(uid, c)] = np.abs(np.diff(y)).mean() if len(y) > 1 else np.nan
        results = []
        for model, f in ours[ours.fold >= 1].groupby("model"):
            results.append(("worker", model, score(points, f[["unique_id", "cutoff", "ds", "yhat"]], scale),
                            meta["seconds"] if model == "Selected" else None))
        ref, secs = references(name, grid, cutoffs)
        for model in REFS + [AVERAGED, BAGGED]:
            results.append(("reference", model, score(points, ref[ref.model == model], scale), secs[model]))
        print(f"\n== {name}: {panel.unique_id.nunique()} series, {len(folds)} folds (Selected and everyone scored on "
              f"folds 1..{len(folds) - 1}: {len(cutoffs)} cutoffs x horizons 1..{H}), {len(points)} scored points; "
              f"worker backtest {meta['seconds']:.1f} s for all its models")
        print(f"{'side':10} {'model':34} {'MAPE':>7} {'WAPE':>7} {'MASE':>7} {'bias':>7} {'time s':>7}")
        for side, model, r, t in sorted(results, key=lambda x: x[2]["WAPE"]):
            ts = f"{t:7.1f}" if t is not None else "      -"
            print(f"{side:10} {model:34} {r['MAPE']:7.1f} {r['WAPE']:7.1f} {r['MASE']:7.3f} {r['bias']:7.1f} {ts}")
        sel = next(r for s, m, r, _ in results if m == "Selected")
        best_ref = min(r["WAPE"] for s, m, r, _ in results if s == "reference" and m in REFS)
        best_ref_mape = min(r["MAPE"] for s, m, r, _ in results if s == "reference" and m in REFS)
        ratio = sel["WAPE"] / best_ref
        worst = max(worst, ratio)
        robust = [(r, m) for s, m, r, _ in results if m in ROBUST]
        robust_wape = min(r["WAPE"] for r, _ in robust)
        robust_mape = min(r["MAPE"] for r, _ in robust)
        worst_robust = max(worst_robust, sel["WAPE"] / robust_wape)
        worst_robust_mape = max(worst_robust_mape, sel["MAPE"] / robust_mape)
        print(f"{name}: Selected WAPE {sel['WAPE']:.1f} vs best reference {best_ref:.1f} (ratio {ratio:.3f}); "
              f"MAPE {sel['MAPE']:.1f} vs best reference {best_ref_mape:.1f}")
        print(f"{name}: against the robust references (best WAPE: {min(robust, key=lambda x: x[0]['WAPE'])[1]}, best MAPE: "
              f"{min(robust, key=lambda x: x[0]['MAPE'])[1]}): Selected WAPE {sel['WAPE']:.1f} vs {robust_wape:.1f} "
              f"(ratio {sel['WAPE'] / robust_wape:.3f}), MAPE {sel['MAPE']:.1f} vs {robust_mape:.1f} (ratio {sel['MAPE'] / robust_mape:.3f})")
        best_wape = min((r["WAPE"], m) for s, m, r, _ in results if s == "reference" and m in REFS)[1]
        best_mape = min((r["MAPE"], m) for s, m, r, _ in results if s == "reference" and m in REFS)[1]
        r = robustness(points, point_errors(points, ours[(ours.fold >= 1) & (ours.model == "Selected")]),
                       point_errors(points, ref[ref.model == best_wape]), point_errors(points, ref[ref.model == best_mape]))
        print(f"{name}: how firm: 90% bootstrap intervals over cutoffs, Selected / best reference: WAPE "
              f"{r['low']:.2f}..{r['high']:.2f} (Selected ahead in {100 * r['wins']:.0f}% of draws), MAPE "
              f"{r['mape_low']:.2f}..{r['mape_high']:.2f} (ahead in {100 * r['mape_wins']:.0f}%); the largest week carries "
              f"{100 * r['top_share']:.0f}% of the scored volume, and without it the WAPE ratio is {r['without_top']:.3f}")
        robust_best_wape = min(robust, key=lambda x: x[0]["WAPE"])[1]
        robust_best_mape = min(robust, key=lambda x: x[0]["MAPE"])[1]
        rr = robustness(points, point_errors(points, ours[(ours.fold >= 1) & (ours.model == "Selected")]),
                        point_errors(points, ref[ref.model == robust_best_wape]), point_errors(points, ref[ref.model == robust_best_mape]))
        print(f"{name}: how firm against the robust references: Selected / best robust reference: WAPE "
              f"{rr['low']:.2f}..{rr['high']:.2f} (Selected ahead in {100 * rr['wins']:.0f}% of draws), MAPE "
              f"{rr['mape_low']:.2f}..{rr['mape_high']:.2f} (ahead in {100 * rr['mape_wins']:.0f}%); without the largest week the "
              f"WAPE ratio is {rr['without_top']:.3f}")
        selected = ours[(ours.fold >= 1) & (ours.model == "Selected")]
        parts = []
        for kind, n, share, scores in by_kind(points, week_kinds(points, panel), {"Selected": selected, best_wape: ref[ref.model == best_wape]}, scale):
            parts.append(f"{kind} {n} points, {100 * share:.0f}% of volume: " + ", ".join(
                f"{m} {r['WAPE']:.1f} / {r['MAPE']:.1f}" for m, r in scores.items()))
        print(f"{name}: by week kind (WAPE / MAPE; deep discount: 15%+ below the 13-week regular price): " + "; ".join(parts))
        spread = [(b, score(points, ref[ref.model == spread_name(b)], scale)) for b in SPREAD_BINS if (ref.model == spread_name(b)).any()]
        if spread:
            base = next(r for s, m, r, _ in results if m == "LightGBM[log1p]")
            cells = sorted([(255, base)] + spread, key=lambda x: x[0])
            print(f"{name}: the LightGBM reference at other histogram resolutions (max_bin " + "/".join(str(b) for b, _ in cells)
                  + "): WAPE " + "/".join(f"{r['WAPE']:.1f}" for _, r in cells) + ", MAPE " + "/".join(f"{r['MAPE']:.1f}" for _, r in cells)
                  + " (the table's reference is 255, LightGBM's default)")
    print(f"selected_vs_best_reference={worst:.3f}")
    print(f"selected_vs_robust_reference={worst_robust:.3f} (worst dataset, Selected WAPE / best robust reference WAPE; "
          f"MAPE: selected_vs_robust_reference_mape={worst_robust_mape:.3f})")


if __name__ == "__main__":
    main()
