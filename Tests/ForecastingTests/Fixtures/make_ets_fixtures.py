"""ETS reference values made with statsforecast's AutoETS (PyPI).

Run:  .venv/bin/pip install statsforecast==2.1.1
      .venv/bin/python Tests/ForecastingTests/Fixtures/make_ets_fixtures.py
Writes ets_reference.json beside this file: for each series the model AutoETS(season_length=7)
selects by AICc and its 14-step forecast, and forecasts of fixed structures (model="AAN" etc.).
Series come from numpy default_rng(7) and are stored in the file.
"""
import json
import pathlib

import numpy as np
import statsforecast
from statsforecast.models import AutoETS

rng = np.random.default_rng(7)
H = 14
t = np.arange(168)
week = np.array([0.8, 0.85, 0.9, 1.0, 1.15, 1.4, 0.9])

series = {
    "level_noise": 50 + rng.normal(0, 4, t.size),
    "additive_trend": 20 + 0.4 * t + rng.normal(0, 3, t.size),
    "additive_weekly": 40 + 8 * np.sin(2 * np.pi * t / 7) + rng.normal(0, 2, t.size),
    "multiplicative_weekly": (30 + 0.15 * t) * week[t % 7] * np.exp(rng.normal(0, 0.05, t.size)),
    "damped_growth": 100 - 80 * np.exp(-t / 40) + rng.normal(0, 1.5, t.size),
    "trend_weekly": 10 + 0.2 * t + 5 * np.sin(2 * np.pi * t / 7) + rng.normal(0, 1, t.size),
    "short_weekly": (20 + 4 * np.sin(2 * np.pi * np.arange(18) / 7) + rng.normal(0, 1, 18)),
    "random_walk": 100 + np.cumsum(rng.normal(0, 2, t.size)),
}
series = {k: np.round(v, 4) for k, v in series.items()}

auto = []
for name, y in series.items():
    m = AutoETS(season_length=7).fit(y)
    auto.append({"series": name, "method": m.model_["method"], "aicc": float(m.model_["aicc"]),
                 "mean": [float(v) for v in m.predict(h=H)["mean"]]})

fixed_specs = [("level_noise", "ANN", False), ("additive_trend", "AAN", False), ("damped_growth", "AAN", True),
               ("additive_weekly", "ANA", False), ("multiplicative_weekly", "MAM", False),
               ("multiplicative_weekly", "MNM", False), ("trend_weekly", "AAA", False), ("level_noise", "MNN", False)]
fixed = []
for name, code, damped in fixed_specs:
    m = AutoETS(season_length=7, model=code, damped=damped).fit(series[name])
    fixed.append({"series": name, "model": code, "damped": damped, "method": m.model_["method"],
                  "aicc": float(m.model_["aicc"]), "par": [None if np.isnan(v) else float(v) for v in m.model_["par"][:4]],
                  "mean": [float(v) for v in m.predict(h=H)["mean"]]})

doc = {
    "generated_by": "Tests/ForecastingTests/Fixtures/make_ets_fixtures.py",
    "library": f"statsforecast {statsforecast.__version__}",
    "call": "AutoETS(season_length=7[, model=..., damped=...]).fit(y).predict(h=14)",
    "tolerance": "fixed structures: forecasts within 2% of the series' scale; automatic: same model on most series",
    "series": {k: [float(v) for v in y] for k, y in series.items()},
    "auto": auto,
    "fixed": fixed,
}
path = pathlib.Path(__file__).with_name("ets_reference.json")
path.write_text(json.dumps(doc, indent=1) + "\n")
for a in auto:
    print(a["series"], a["method"], round(a["aicc"], 3))
for f in fixed:
    print(f["series"], f["method"], f["par"], round(f["aicc"], 3))
