"""Reference forecasts for the Swift models, made with statsforecast (PyPI).

Run:  python3 -m venv .venv && .venv/bin/pip install statsforecast==2.1.1
      .venv/bin/python Tests/ForecastingTests/Fixtures/make_fixtures.py
Writes reference_forecasts.json beside this file. The series are generated here with a fixed
seed (numpy default_rng(2026)), so the fixture is reproducible from this script alone.
"""
import json
import pathlib
import platform

import numpy as np
import statsforecast
from statsforecast.models import (
    CrostonClassic,
    CrostonSBA,
    Naive,
    SeasonalNaive,
    SimpleExponentialSmoothing,
    TSB,
    WindowAverage,
)

rng = np.random.default_rng(2026)
H = 14


def series():
    out = {}
    t = np.arange(120)
    out["smooth_weekly"] = (20 + 5 * np.sin(2 * np.pi * t / 7) + rng.normal(0, 2, t.size)).round(3)
    out["trend"] = (5 + 0.3 * t + rng.normal(0, 1.5, t.size)).round(3)
    sparse = rng.poisson(3, t.size) * (rng.random(t.size) < 0.15)
    out["intermittent"] = sparse.astype(float)
    lumpy = rng.poisson(12, t.size) * (rng.random(t.size) < 0.05)
    lumpy[-20:] = 0  # demand stopped: TSB decays, Croston does not
    lumpy[3] = 7
    out["lumpy_obsolete"] = lumpy.astype(float)
    with_return = (rng.poisson(2, 60) * (rng.random(60) < 0.4)).astype(float)
    with_return[10] = -2.0  # a net return: ends an interval, is not a demand size
    out["intermittent_with_return"] = with_return
    return out


MODELS = {
    "Naive": lambda: Naive(),
    "SeasonalNaive(7)": lambda: SeasonalNaive(season_length=7),
    "MovingAverage(14)": lambda: WindowAverage(window_size=14),
    "SES(0.3)": lambda: SimpleExponentialSmoothing(alpha=0.3),
    "CrostonClassic": lambda: CrostonClassic(),
    "CrostonSBA": lambda: CrostonSBA(),
    "TSB(0.2,0.1)": lambda: TSB(alpha_d=0.2, alpha_p=0.1),
}

data = series()
cases = []
for name, y in data.items():
    for model_name, make in MODELS.items():
        mean = make().forecast(y=y, h=H)["mean"]
        cases.append({"series": name, "model": model_name, "horizon": H, "mean": [float(v) for v in mean]})

doc = {
    "generated_by": "Tests/ForecastingTests/Fixtures/make_fixtures.py",
    "library": f"statsforecast {statsforecast.__version__}",
    "python": platform.python_version(),
    "numpy": np.__version__,
    "tolerance": "absolute 1e-9 + relative 1e-9 on every point forecast",
    "series": {k: [float(v) for v in y] for k, y in data.items()},
    "cases": cases,
}
path = pathlib.Path(__file__).with_name("reference_forecasts.json")
path.write_text(json.dumps(doc, indent=1) + "\n")
print(f"wrote {path} ({len(cases)} cases)")
