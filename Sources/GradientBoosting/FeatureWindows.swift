import Forecasting
import Foundation

/// Windows of the global model's features, in periods of the series' frequency.
public struct FeatureWindows: Sendable {
    /// Short window (a week of days, four weeks), long window (four weeks of days, a quarter of weeks).
    public let short: Int, long: Int
    /// Seasonal lag for `same_period_last_season`.
    public let season: Int
    /// Windows of the long-memory level features (`log_mean_<n>`; the whole history is one more):
    /// a month, a quarter and a year of days; half a season and a season of weeks.
    public let logWindows: [Int]
    /// Periods back whose prices form the reference (regular) price.
    public let priceOffsets: [Int]
    /// Training origins per series (at least `origins`, up to `maxOrigins` while the scope's rows
    /// fit `trainingBytes`) and the periods between them. Weekly series: every origin of the last
    /// five years (260 weeks) while the rows fit; on the real tuna panel, whose 331 weeks begin in
    /// another regime, learning from all of them made every booster worse (Combination WAPE 38.4
    /// -> 42.1, XGBoost[log] 42.4 -> 46.1).
    public let origins: Int, maxOrigins: Int, originStep: Int
    /// Series also learn from origins a year back, so that yearly seasonality and once-a-year
    /// events (Black Friday, Christmas) are in the training rows; six recent weeks of daily
    /// origins never contain them, nor do 26 recent weekly ones. A version serves the nights from
    /// its cutoff until it is retrained (`servingDays`), so the origins a year back are those of
    /// all these nights: the origin 364 days (52 weeks, the same weekday) before the cutoff, whose
    /// targets are last year's periods of the window being forecast, and one every step after it
    /// up to `seasonalReach` periods later (`maxSeasonalOrigins` in all). Before, they were the
    /// origin a year back and three steps before it: a model trained on 23 October forecast the
    /// 6 November cutoff's Black Friday 44% low (the daily demo), because no origin's window a year
    /// back reached it. A small weekly panel that learns from its whole history has them among its
    /// recent origins already (counted once).
    public let maxSeasonalOrigins: Int, seasonalLag: Int
    /// Periods after the cutoff a version serves (`servingDays`): four weeks of days, four weeks.
    public let seasonalReach: Int
    /// Days a version serves runs before it is retrained: the monitor's `retrain_every_days` default.
    public static let servingDays = 28
    /// The memory the training rows of a scope may take before its origins are sampled: 16 MiB of
    /// features and labels (`bytesPerRow`), 83,886 rows at 40 columns, about the fixed budget of
    /// 80,000 rows it replaces. A weekly panel within it learns from every origin of its last five
    /// years; past it, from origins spread over its whole history (a panel of 900 series at
    /// horizon 3: 31 from two years, where the fixed budget took the newest 29 weeks). 64 MiB (every
    /// origin of such a panel) tripled to quadrupled the time of a weekly backtest of 1,000 series
    /// (`make bench-weekly`) and moved no benchmark: the same WAPE on the weekly bench catalogue,
    /// and on cheese 26 origins spread over the history scored as all of them (XGBoost[log] 21.1 / 21.2).
    public static let trainingBytes = 16 << 20
    /// What one training row holds: its features (4-byte floats) and its label, scale, log level,
    /// step and series (8 bytes each).
    public static func bytesPerRow(columns: Int) -> Int { 4 * columns + 40 }
    /// At most this many training rows per fold (about 0.7 GB of features): a large catalogue
    /// learns from fewer origins per series (`plan`), down to one. Unbounded, 100k daily series x 6
    /// origins x 28 steps made `train` peak at 21 GB of memory.
    public static let rowCap = 4_000_000

    public init(_ frequency: Frequency) {
        switch frequency {
        case .day:
            (short, long, season, origins, maxOrigins, originStep) = (7, 28, 7, 6, 6, 7)
            logWindows = [28, 91, 365]
            priceOffsets = [27, 20, 13, 6]
            (seasonalLag, seasonalReach) = (364, Self.servingDays)
            maxSeasonalOrigins = seasonalReach / originStep + 1
        case .week:
            (short, long, season, origins, maxOrigins, originStep) = (4, 13, 52, 26, 260, 1)
            logWindows = [26, 52]
            priceOffsets = Array(0..<13)
            (seasonalLag, seasonalReach) = (52, Self.servingDays / 7)
            maxSeasonalOrigins = seasonalReach / originStep + 1
        }
    }

    /// How a scope of `series` series spends its training rows (`OriginPlan`). Every origin while
    /// the rows fit `trainingBytes` at `columns` features (weekly; daily series take `maxOrigins`
    /// weekly ones), at least `origins` recent ones (past the budget, sampled across the history:
    /// `OriginPlan.sampled`), and `maxSeasonalOrigins` a year back. When that would pass `rowCap`, the
    /// cap is shared between recent origins and origins a year back in the same proportion (6 to
    /// 5 for days, 26 to 5 for weeks): every series keeps at least one recent origin, and what is
    /// left goes a year back, to every series or, when it does not reach every series, to an
    /// evenly spread share of them. Dropping the origins a year back first, as before, left
    /// catalogues of 30k daily series and more without last year's season or a yearly event.
    /// When even one origin per series passes the cap (millions of daily series), a sample of the
    /// series learns, one recent origin each: as many as the cap holds, spread evenly over the
    /// scope's series list (`OriginPlan.seriesSample`); the others are forecast by the model all
    /// the same, from their own features.
    public func plan(
        series: Int, horizon: Int, columns: Int, budgetBytes: Int = Self.trainingBytes,
        rowCap: Int = Self.rowCap
    ) -> OriginPlan {
        let n = max(1, series), rowsPerOrigin = max(1, series * horizon)
        let fitting = budgetBytes / Self.bytesPerRow(columns: columns) / rowsPerOrigin
        let recent = min(maxOrigins, max(origins, fitting))
        // Only the memory budget samples: when `maxOrigins` binds (or the fixed six of daily
        // series), the newest origins are taken in a row.
        let budgeted = fitting < maxOrigins && maxOrigins > origins ? recent : nil
        if (recent + maxSeasonalOrigins) * rowsPerOrigin <= rowCap {
            return OriginPlan(recent: recent, seasonal: maxSeasonalOrigins, extraSeasonal: 0, budgeted: budgeted)  // within the cap as it is
        }
        let slots = max(1, rowCap / max(1, horizon))  // series-origins within the cap
        if n > slots {
            return OriginPlan(recent: 1, seasonal: 0, extraSeasonal: 0, budgeted: budgeted.map { _ in 1 }, sampledSeries: slots)
        }
        let shared = max(1, min(recent, slots * recent / (recent + maxSeasonalOrigins) / n))
        let left = max(0, slots - shared * n)
        let seasonal = min(maxSeasonalOrigins, left / n)
        return OriginPlan(
            recent: shared, seasonal: seasonal, extraSeasonal: seasonal < maxSeasonalOrigins ? left - seasonal * n : 0,
            budgeted: budgeted.map { _ in shared })
    }

    var priceReference: String { "t-" + priceOffsets.map(String.init).joined(separator: ", t-") }
}
