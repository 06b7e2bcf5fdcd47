import Postgres

/// When a backtest refits its global models (the XGBoost boosters). A registered version serves
/// runs until it is retrained (the monitor asks at the first run `retrain_every_days`, 28 by
/// default, after its training cutoff), so by default a backtest scores trees as old as
/// production serves them: the boosters are refit at the oldest fold and then at the first fold
/// more than `everyDays` after the last refit, the folds between forecast by the newest refit from
/// their own origin and features (mlforecast's and statsforecast's `refit` in cross-validation).
/// Nothing after a fold's cutoff reaches its forecasts; per-series models are fitted at every
/// fold. `--refit-days 0` refits at every fold (the default before). The trees learn last year's
/// windows of every night they serve (`FeatureWindows.seasonalReach`): when they learned only the
/// training cutoff's, the daily demo's folds served by older trees missed Black Friday by 44%
/// (XGBoost WAPE 18.4% -> 19.7%, Selected's bias -7.3%, failing the gate); with them 18.5%
/// against 18.4% for a refit at every fold. The weekly bench catalogue (12 folds two weeks apart)
/// takes half the time at 28 days with XGBoost's WAPE unchanged.
public enum GlobalRefits {
    /// The monitor's retrain cadence (`MonitorConfig.retrainEveryDays`): what `--refit-days` mirrors.
    public static let retrainCadence = MonitorConfig().retrainEveryDays
    /// The default: as production retrains (see above).
    public static let defaultDays = retrainCadence

    /// For each fold (cutoffs oldest first), the fold whose refit forecasts it: the newest refit
    /// at most `everyDays` before its cutoff. `everyDays` 0: every fold refits.
    public static func servingFolds(cutoffs: [PostgresDate], everyDays: Int) -> [Int] {
        var out: [Int] = []
        var last: Int?
        for (f, cutoff) in cutoffs.enumerated() {
            if let l = last, cutoff.unixDays - cutoffs[l].unixDays <= everyDays {
                out.append(l)
            } else {
                last = f
                out.append(f)
            }
        }
        return out
    }
}
