"""Real weekly retail panels from Debian's r-cran-bayesm, as demand.* tables.

Usage: real_data.py RDA_DIR DATASET OUT_DIR
Writes sales.csv, items.csv, locations.csv, calendar.csv, prices.csv, promotions.csv and
inventory.csv (the column order of the demand.* tables) for DATASET (cheese or tuna), plus
panel.csv (series, ds, y, price, promo) for the Python references.

- cheese (Boatwright et al.): 88 retailers (locations) x one sliced-cheese item, 52-68 consecutive
  weeks each, VOLUME units, PRICE, DISP (share of stores with a display, 0..1). The data have no
  dates: every retailer's last week is aligned to the same ISO week (a missing row would read as
  zero sales, so the series end together and the shorter ones start later).
- tuna (Dominick's canned tuna, Chevalier et al.): 7 brands (items) at one chain (location), weeks
  1..331 (after week 331 the panel has a 41-week hole; the tail is left out). MOVE units,
  exp(LPRICE) price, NSALE (sale share, 0..1). Weeks missing inside 1..331 are written to
  inventory as stockouts: their demand is unknown, so training imputes them and scoring skips them.
Prices and promotions are planned inputs announced 28 days before their week (known_at), so that
every horizon 1..3 of the benchmark may use them, as in the published protocol where they are
known in advance. orangeJuice in the same package is a holdout and is never read here.
"""
import datetime as dt
import os
import sys

import numpy as np
import pandas as pd
import rdata

END_MONDAY = dt.date(2026, 11, 16)  # last week of every series (its Sunday is the backtest end)


def load(rda_dir, name):
    assert name in ("cheese", "tuna"), "only cheese and tuna (orangeJuice is a holdout)"
    return rdata.conversion.convert(rdata.parser.parse_file(os.path.join(rda_dir, f"{name}.rda")))[name]


def cheese(rda_dir):
    df = load(rda_dir, "cheese")
    rows = []
    for retailer, g in df.groupby("RETAILER", observed=True, sort=True):
        g = g.reset_index(drop=True)
        n = len(g)
        for i, r in g.iterrows():
            monday = END_MONDAY - dt.timedelta(weeks=n - 1 - i)
            rows.append(dict(item_id="CHEESE", location_id=str(retailer), ds=monday, y=float(r.VOLUME),
                             price=float(r.PRICE), promo=float(r.DISP), promo_type="display"))
    panel = pd.DataFrame(rows)
    regions = {loc: loc.split(" - ")[0].strip() for loc in panel.location_id.unique()}
    return panel, regions, "cheese", "sliced_cheese"


def tuna(rda_dir):
    df = load(rda_dir, "tuna")
    df = df[df.WEEK <= 331]
    last = 331
    rows = []
    for b in range(1, 8):
        for _, r in df.iterrows():
            monday = END_MONDAY - dt.timedelta(weeks=last - int(r.WEEK))
            rows.append(dict(item_id=f"TUNA{b}", location_id="DOMINICKS", ds=monday, y=float(r[f"MOVE{b}"]),
                             price=float(np.exp(r[f"LPRICE{b}"])), promo=float(r[f"NSALE{b}"]), promo_type="sale"))
    panel = pd.DataFrame(rows)
    return panel, {"DOMINICKS": "chicago"}, "canned_tuna", "tuna"


def main():
    rda_dir, name, out = sys.argv[1], sys.argv[2], sys.argv[3]
    panel, regions, category, family = {"cheese": cheese, "tuna": tuna}[name](rda_dir)
    os.makedirs(out, exist_ok=True)
    loaded_at = "2026-11-23 06:00:00+00"
    start = panel.ds.min() - dt.timedelta(days=7)
    panel[["item_id", "location_id", "ds", "y"]].assign(loaded_at=loaded_at).to_csv(
        os.path.join(out, "sales.csv"), index=False, header=False)
    pd.DataFrame({"item_id": sorted(panel.item_id.unique())}).assign(
        valid_from=start - dt.timedelta(days=365), valid_to=None, category=category, family=family,
        description=name, attributes="{}").to_csv(os.path.join(out, "items.csv"), index=False, header=False)
    locs = sorted(panel.location_id.unique())
    pd.DataFrame({"location_id": locs, "valid_from": start - dt.timedelta(days=365), "valid_to": None,
                  "region": [regions[l] for l in locs], "store_format": None, "attributes": "{}"}).to_csv(
        os.path.join(out, "locations.csv"), index=False, header=False)
    days = pd.date_range(start - dt.timedelta(days=365), END_MONDAY + dt.timedelta(days=400), freq="D")
    pd.DataFrame({"ds": days.date, "event": None, "is_holiday": False}).to_csv(
        os.path.join(out, "calendar.csv"), index=False, header=False)
    known = lambda d: (pd.Timestamp(d) - pd.Timedelta(days=28)).strftime("%Y-%m-%d 00:00:00+00")
    panel.assign(known_at=panel.ds.map(known))[["item_id", "location_id", "ds", "price", "known_at"]].to_csv(
        os.path.join(out, "prices.csv"), index=False, header=False)
    promos = panel[panel.promo > 0]
    promos.assign(known_at=promos.ds.map(known))[["item_id", "location_id", "ds", "promo_type", "promo", "known_at"]].to_csv(
        os.path.join(out, "promotions.csv"), index=False, header=False)
    # Weeks with no row inside a series' span: unknown demand (stockout rows), not zero sales.
    gaps = []
    for (item, loc), g in panel.groupby(["item_id", "location_id"]):
        have = set(g.ds)
        d = g.ds.min()
        while d <= g.ds.max():
            if d not in have:
                gaps.append(dict(item_id=item, location_id=loc, ds=d, on_hand=0.0, stockout=True))
            d += dt.timedelta(weeks=1)
    pd.DataFrame(gaps, columns=["item_id", "location_id", "ds", "on_hand", "stockout"]).to_csv(
        os.path.join(out, "inventory.csv"), index=False, header=False)
    panel.to_csv(os.path.join(out, "panel.csv"), index=False)
    print(f"{name}: {panel.groupby(['item_id', 'location_id']).ngroups} series, {len(panel)} weeks of sales, "
          f"{len(promos)} promoted weeks, {len(gaps)} unknown weeks", file=sys.stderr)


if __name__ == "__main__":
    main()
