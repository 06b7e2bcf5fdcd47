"""Theta reference values made with statsforecast (PyPI).

Run:  .venv/bin/pip install statsforecast==2.1.1
      .venv/bin/python Tests/ForecastingTests/Fixtures/make_theta_fixtures.py
Writes theta_reference.json: (1) each variant with fixed parameters (initial level, alpha,
theta), which tests the recursions exactly; (2) AutoTheta(season_length=7) forecasts, which also
depend on the optimiser. Series come from numpy default_rng(11) and are stored in the file.
"""
import json
import pathlib

import numpy as np
import statsforecast
from statsforecast.models import AutoTheta
from statsforecast.theta import forecast_theta, thetamodel

rng = np.random.default_rng(11)
H = 14
t = np.arange(140)
week = np.array([0.8, 0.85, 0.9, 1.0, 1.15, 1.4, 0.9])
series = {
    "trend": 20 + 0.3 * t + rng.normal(0, 2, t.size),
    "level": 50 + rng.normal(0, 5, t.size),
    "weekly": (30 + 0.1 * t) * week[t % 7] * np.exp(rng.normal(0, 0.04, t.size)),
    "decline": 80 - 0.2 * t + rng.normal(0, 3, t.size),
}
series = {k: np.round(v, 4) for k, v in series.items()}

fixed = []
for name in ("trend", "level", "decline"):
    y = series[name]
    for variant, theta in (("STM", 2.0), ("OTM", 3.5), ("DSTM", 2.0), ("DOTM", 1.7)):
        fit = thetamodel(y=y, m=1, modeltype=variant, initial_smoothed=y[0] / 2 + 1, alpha=0.3, theta=theta, nmse=3)
        mean = forecast_theta(fit, h=H)["mean"]
        fixed.append({"series": name, "variant": variant, "level0": float(y[0] / 2 + 1), "alpha": 0.3, "theta": theta,
                      "mse": float(fit["mse"]), "mean": [float(v) for v in mean]})

auto = []
for name, y in series.items():
    m = AutoTheta(season_length=7).fit(y)
    auto.append({"series": name, "mean": [float(v) for v in m.predict(h=H)["mean"]]})

doc = {
    "generated_by": "Tests/ForecastingTests/Fixtures/make_theta_fixtures.py",
    "library": f"statsforecast {statsforecast.__version__}",
    "tolerance": "fixed parameters: 1e-9 relative; AutoTheta: 2% of the series' mean level",
    "series": {k: [float(v) for v in y] for k, y in series.items()},
    "fixed": fixed,
    "auto": auto,
}
path = pathlib.Path(__file__).with_name("theta_reference.json")
path.write_text(json.dumps(doc, indent=1) + "\n")
print(f"wrote {path}: {len(fixed)} fixed, {len(auto)} auto")
