"""Reference values for PriceRegressionTests (Tests/GradientBoostingTests), made with statsmodels.

Run: python make_price_regression_fixture.py > price_regression_reference.json
(statsmodels 0.15.0, numpy; the project's bench venv has both: .venv-bench/bin/python).

One weekly series of 120 periods from a fixed linear congruential generator (the Swift test builds
the same numbers): a price that is regular (4.00, later 4.40) with temporary discounts, and one
promotion type ("display") with intensities. The model of `PriceRegression`, with its ridge term
set to 0, is ordinary least squares of log(1 + y) on [1, log(price / regular), the same ratio one
week earlier (0 for the first week), display], where regular = the highest price over the 13 weeks
ending at the period; then simple exponential
smoothing (alpha 0.1, initial level 0) of the residuals; the forecast for h = 1..3 is
expm1(x_(t+h) b + level). Here: statsmodels OLS for b, statsmodels SimpleExpSmoothing
(known initial level 0, alpha 0.1, not optimized) for the level.
"""
import json

import numpy as np
import statsmodels.api as sm
from statsmodels.tsa.holtwinters import SimpleExpSmoothing

N, H, ORIGIN = 120, 3, 116  # origin: the last period the model sees (index), forecasts 117..119


def lcg(seed):
    state = seed
    while True:
        state = (state * 6364136223846793005 + 1442695040888963407) % 2**64
        yield (state >> 11) * 2.0**-53


u = lcg(7)
price, display, y = [], [], []
for t in range(N):
    regular = 4.0 if t < 60 else 4.4
    r1, r2, r3 = next(u), next(u), next(u)
    discount = 0.25 if r1 < 0.15 else (0.1 if r1 < 0.25 else 0.0)
    p = round(regular * (1 - discount), 2)
    d = round(0.5 + 0.5 * r2, 2) if r2 < 0.2 else 0.0
    price.append(p)
    display.append(d)
    level = 200 + 0.5 * t
    y.append(float(round(level * (p / regular) ** -2.5 * np.exp(0.6 * d) * (0.8 + 0.4 * r3))))
price, display, y = np.array(price), np.array(display), np.array(y)
regular = np.array([price[max(0, t - 12):t + 1].max() for t in range(N)])
ratio = np.log(price / regular)
X = np.column_stack([np.ones(N), ratio, np.concatenate([[0.0], ratio[:-1]]), display])
ly = np.log1p(y)
fit = sm.OLS(ly[:ORIGIN + 1], X[:ORIGIN + 1]).fit()
resid = ly[:ORIGIN + 1] - X[:ORIGIN + 1] @ fit.params
ses = SimpleExpSmoothing(resid, initialization_method="known", initial_level=0.0).fit(smoothing_level=0.1, optimized=False)
level = float(ses.level[-1])
mean = [float(np.expm1(X[ORIGIN + h] @ fit.params + level)) for h in range(1, H + 1)]
print(json.dumps({
    "made_by": "make_price_regression_fixture.py (statsmodels OLS + SimpleExpSmoothing)",
    "values": y.tolist(), "price": price.tolist(), "display": display.tolist(), "origin": ORIGIN,
    "coefficients": fit.params.tolist(), "level": level, "mean": mean,
}, indent=1))
