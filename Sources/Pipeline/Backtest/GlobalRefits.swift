import Postgres

/// When a backtest refits its global models (the XGBoost boosters). A registered version serves
/// runs until it is retrained: the monitor asks for a retrain at the first run whose cutoff is
/// `retrain_every_days` (28 by default) or more after the version's training cutoff, and that run
/// is still served by the old version, so served forecasts come from trees up to four weeks
/// older than their origin, and more while the retrain is trained and promoted. A backtest that
/// refits the boosters at every fold scores fresher trees than production serves, at a training
/// per fold and objective (the weekly bench catalogue, 1,000 series, 12 folds two weeks apart:
/// 35 of its 52 s). So the boosters are refit at the oldest fold and then at the first fold more
/// than `everyDays` after the last refit; the folds between are forecast by the newest refit from
/// their own origin, with their own features, as a stored version forecasts a later run
/// (mlforecast's and statsforecast's `refit` in cross-validation). Nothing after a fold's cutoff
/// reaches its forecasts: the trees it uses learned from data up to an earlier cutoff. The
/// per-series models (the statistical ones, the price regression) are still fitted at every fold.
public enum GlobalRefits {
    /// The default: the monitor's retrain cadence (`MonitorConfig.retrainEveryDays`).
    public static let defaultDays = MonitorConfig().retrainEveryDays

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
