import Forecasting
import Foundation

/// Which features a global model's rows carry, recorded with every artifact so that one trained
/// with an earlier set keeps predicting exactly as it was trained.
public enum FeatureSet: String, Codable, Sendable, CaseIterable {
    /// The rows before issue 28: lags, windows and ratios scaled by the recent mean; the log
    /// objective's labels relative to the mean of log(1 + y) over the short window. Artifacts
    /// stored without a feature set are this one.
    case base
    /// `base` plus the series' level in log space with long memory (`log_level`, `log_mean_<n>`,
    /// `log_gap_<n>`); the log objective's labels relative to `log_level`, the median of
    /// log(1 + y) over the long window (robust to promotion spikes).
    case longMemory = "long_memory"
    /// `longMemory` plus the item and the location as categorical features (XGBoost's own
    /// categorical splits: a leaf can hold any set of items, not a range of their codes), for the
    /// booster whose errors should differ from the others' (`xgboost:log_cat`).
    case categorical

    /// Carries the long-memory level features (and the log objective's robust normaliser).
    public var hasLongMemory: Bool { self != .base }
}

/// The features of the global gradient-boosted model and their lineage: what each is, where it
/// comes from, and when it is known. The model is **direct multi-horizon**: one row per series,
/// forecast origin t (the last period the model may see) and horizon h; the label is the demand
/// in period t + h divided by the series' scale at t. Direct rather than recursive because errors
/// do not compound through fed-back predictions, every horizon trains in one model, and planned
/// inputs attach naturally to the target period.
///
/// Windows are counted in periods of the series' frequency (`FeatureWindows`); every promotion
/// type in the data is a feature of its own, so the list depends on the data: `FeatureSpec(layout)`.
public struct FeatureSpec: Sendable {
    public typealias Feature = FeatureDescription

    public let features: [Feature]
    public var names: [String] { features.map(\.name) }
    /// XGBoost's feature types in column order: "c" for the categorical ones (`FeatureSet.categorical`), else "q".
    public var featureTypes: [String] {
        let categorical = featureSetIsCategorical ? Set(["item", "location"]) : []
        return names.map { categorical.contains($0) ? "c" : "q" }
    }
    let featureSetIsCategorical: Bool

    /// `attributes`: extra item/location attributes (`item.<key>`, `location.<key>`), one feature each.
    public init(frequency: Frequency, promoTypes: [String], attributes: [String] = [], featureSet: FeatureSet = .longMemory) {
        let w = FeatureWindows(frequency)
        let p = frequency.noun
        func f(_ name: String, _ formula: String, _ source: String, _ known: String) -> Feature {
            Feature(name: name, formula: formula, source: source, knownAt: known)
        }
        var out = [
            f("horizon", "h, \(p)s after the origin", "-", "always"),
            f("lag_1", "y(t) / scale", "demand.sales (stockouts imputed)", "origin"),
            f("lag_2", "y(t-1) / scale", "demand.sales", "origin"),
            f("lag_3", "y(t-2) / scale", "demand.sales", "origin"),
            f("lag_\(w.short)", "y(t-\(w.short - 1)) / scale", "demand.sales", "origin"),
            f(
                "same_period_last_season",
                "y(t + h - \(w.season) ceil(h/\(w.season))) / scale: the same \(p) one season before the target, the latest one seen", "demand.sales", "origin"),
            f("mean_short", "mean y(t-\(w.short - 1)..t) / scale", "demand.sales", "origin"),
            f("mean_long", "mean y(t-\(w.long - 1)..t) / scale", "demand.sales", "origin"),
            f("sd_long", "sd y(t-\(w.long - 1)..t) / scale", "demand.sales", "origin"),
            f("zero_share_long", "share of zero \(p)s in t-\(w.long - 1)..t", "demand.sales", "origin"),
            f("stockout_share_long", "share of stockout \(p)s in t-\(w.long - 1)..t", "demand.inventory", "origin"),
            f("day_of_week", "ISO weekday of the target \(p)'s first day (1 = Monday)", "calendar arithmetic", "always"),
            f("month", "month of the target \(p)'s first day", "calendar arithmetic", "always"),
            f("week_of_year", "ISO week of the target \(p)'s first day", "calendar arithmetic", "always"),
            f("year_sin", "sin(2 pi day-of-year / 365.25) of the target's first day (yearly Fourier term)", "calendar arithmetic", "always"),
            f("year_cos", "cos(2 pi day-of-year / 365.25) of the target's first day", "calendar arithmetic", "always"),
            f("is_holiday", "1 if any day of the target \(p) is a holiday", "demand.calendar", "planned"),
            f("event", "code of the first calendar.event in the target \(p) (0 = none)", "demand.calendar", "planned"),
            f(
                "promo_any", "highest promotion intensity of any type on a day of the target \(p), latest announcement known when the origin closed (0 = none)",
                "demand.promotions", "planned, known_at <= origin"),
            f("promo_any_at_origin", "the same for the origin \(p) t itself (a promoted lag is inflated)", "demand.promotions", "planned, known_at <= origin"),
        ]
        for type in promoTypes {
            out.append(
                f(
                    "promo_\(type)", "highest intensity of promotion type '\(type)' in the target \(p), as known at origin (0 = none)",
                    "demand.promotions", "planned, known_at <= origin"))
        }
        out += [
            f(
                "price_ratio", "price in force on the target \(p)'s first day / mean price in force at \(w.priceReference) as known at origin", "demand.prices",
                "planned, known_at <= origin"),
            f(
                "discount_depth", "1 - target price / regular price (the highest price in force at \(w.priceReference)), as known at origin", "demand.prices",
                "planned, known_at <= origin"),
            f(
                "price_change", "target price / price in force in the \(p) before the target, as known at origin", "demand.prices",
                "planned, known_at <= origin"),
            f(
                "category_price_ratio", "target price / average price of the same category at the same location in the target \(p), as known at origin",
                "demand.prices of every item (competing items)", "planned, known_at <= origin"),
            f(
                "cheapest_competitor_ratio",
                "target price / lowest price of another item of the same category at the same location in the target \(p), as known at origin",
                "demand.prices of every item", "planned, known_at <= origin"),
            f("category", "code of items.category valid at the cutoff", "demand.items (SCD2)", "cutoff"),
            f("family", "code of items.family valid at the cutoff", "demand.items (SCD2)", "cutoff"),
            f("region", "code of locations.region valid at the cutoff", "demand.locations (SCD2)", "cutoff"),
            f("log_scale", "log(1 + scale), scale = mean y(t-\(w.long - 1)..t) (else the history mean, else 1)", "demand.sales", "origin"),
        ]
        if featureSet.hasLongMemory {
            out.append(
                f(
                    "log_level",
                    "median of log(1 + y) over t-\(w.long - 1)..t: the current level, robust to promotion spikes (the log objective's labels are log(1 + y(t+h)) minus it)",
                    "demand.sales", "origin"))
        }
        let spans = w.logWindows.map { ("\($0)", "t-\($0 - 1)..t (\($0) \(p)s; fewer at the start of the history)") } + [("all", "the whole history 0..t")]
        for (suffix, span) in spans where featureSet.hasLongMemory {
            out.append(f("log_mean_\(suffix)", "mean of log(1 + y) over \(span): long memory of the series' level", "demand.sales", "origin"))
        }
        for (suffix, _) in spans where featureSet.hasLongMemory {
            out.append(
                f("log_gap_\(suffix)", "log_mean_\(suffix) - log_level: where demand stands against that past (negative: above it)", "demand.sales", "origin"))
        }
        if featureSet == .categorical {
            out.append(
                f(
                    "item", "code of the item (categorical: splits on sets of items; an item not seen in training is missing)",
                    "demand.sales (the series' item)", "cutoff"))
            out.append(f("location", "code of the location (categorical, as the item)", "demand.sales (the series' location)", "cutoff"))
        }
        for name in attributes {
            let table = name.hasPrefix("item.") ? "items" : "locations"
            out.append(
                f(
                    name, "attribute '\(name.drop { $0 != "." }.dropFirst())' of the \(table.dropLast()) (number; boolean 0/1; string: code of its value)",
                    "demand.\(table).attributes (SCD2)", "cutoff"))
        }
        features = out
        featureSetIsCategorical = featureSet == .categorical
    }
}

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

/// Training origins per series of one scope (`FeatureWindows.plan`): `recent` recent ones for
/// every series; `seasonal` a year back for every series and one more for `extraSeasonal` of
/// them (`extraSeries`).
public struct OriginPlan: Sendable, Equatable {
    public var recent: Int, seasonal: Int, extraSeasonal: Int
    /// Set when the memory budget (`FeatureWindows.trainingBytes`), not a fixed count, limits the
    /// recent origins: a series with more origins in its history than `recent` learns from
    /// `recent` of them spread evenly over it, the newest first (`sampled`), instead of the newest
    /// `recent` in a row. Nil: the newest `recent` (daily series: six weekly origins).
    public var budgeted: Int?
    /// Set when the row cap holds fewer series-origins than there are series: only this many
    /// series learn (`seriesSample`). Nil: every series in scope.
    public var sampledSeries: Int?

    public init(recent: Int, seasonal: Int, extraSeasonal: Int, budgeted: Int? = nil, sampledSeries: Int? = nil) {
        self.recent = recent
        self.seasonal = seasonal
        self.extraSeasonal = extraSeasonal
        self.budgeted = budgeted
        self.sampledSeries = sampledSeries
    }

    /// Which of a series' `available` recent origins it learns from, as positions counted back
    /// from its newest (0 = the newest, 1 = the one a step before): all while they fit; past the
    /// budget `recent` of them spread evenly over the history, from the newest to the oldest
    /// (positions k (available - 1) / (recent - 1), rounded); without a budget the newest `recent`.
    public func recentPositions(available: Int) -> [Int] {
        guard budgeted != nil, recent > 1, available > recent else { return Array(0..<min(recent, available)) }
        return (0..<recent).map { (2 * $0 * (available - 1) + recent - 1) / (2 * (recent - 1)) }
    }

    /// Which of the series in scope (their positions in the scope's full, fixed series list) get
    /// the one more origin a year back: the `extraSeasonal` with the lowest golden-ratio score
    /// frac((i + 1) / phi), so they are spread evenly over the list, and the choice depends on a
    /// series' position in the full list, not on which others are in scope. A backtest's folds
    /// (whose scopes differ by the series not started yet) then give it to the same series and
    /// build the rows once, and the same series get it at every run.
    public func extraSeries(inScope positions: [Int]) -> Set<Int> {
        extraSeasonal > 0 ? Self.spread(positions, count: extraSeasonal) : []
    }

    /// The series that learn when the cap holds fewer than the scope (`sampledSeries`): chosen as
    /// `extraSeries` are, so that they are spread evenly over the list and the same at every
    /// training of the same catalogue; nil: every series in scope.
    public func seriesSample(inScope positions: [Int]) -> Set<Int>? {
        guard let sampledSeries, sampledSeries < positions.count else { return nil }
        return Self.spread(positions, count: sampledSeries)
    }

    /// `count` of `positions` with the lowest golden-ratio score frac((i + 1) / phi): a low-
    /// discrepancy choice, even over the list whatever the count, fixed by position alone.
    static func spread(_ positions: [Int], count: Int) -> Set<Int> {
        func score(_ i: Int) -> Double {
            let x = Double(i + 1) * 0.618_033_988_749_894_8
            return x - x.rounded(.down)
        }
        let ranked = positions.map { ($0, score($0)) }.sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }
        return Set(ranked.prefix(count).map(\.0))
    }

    /// Series-origins the scope learns from (rows = this x horizon steps, fewer with stockouts and short histories).
    public func seriesOrigins(series: Int) -> Int { (recent + seasonal) * min(series, sampledSeries ?? series) + extraSeasonal }
}

/// The training origins a global model learned from, over the series of its scope (lineage): how
/// many series, their recent origins and their origins a year back (only where the history reaches).
public struct OriginCounts: Codable, Sendable, Equatable {
    public var series = 0, recent = 0, yearBack = 0, seriesWithYearBack = 0
    /// How the recent origins were chosen: the memory budget in bytes and the rows it held
    /// (nil: a fixed count of the newest, or artifacts stored before it was recorded), and how
    /// many series learned from a sample of their history (every k-th origin) because it did not fit.
    public var budgetBytes: Int?, budgetRows: Int?
    public var sampledSeries = 0, widestStride = 1
    /// Set when only a sample of the series in scope learned (the row cap held fewer series than
    /// the scope, one recent origin each, spread evenly over the series list): the scope's size.
    /// `series` is then the sample's. Nil: every series in scope learned.
    public var scopeSeries: Int?
    /// The row cap that decided the sample (with `scopeSeries`).
    public var rowCap: Int?

    public init() {}

    mutating func add(recent: Int, yearBack: Int, stride: Int = 1) {
        guard recent + yearBack > 0 else { return }
        series += 1
        self.recent += recent
        self.yearBack += yearBack
        if yearBack > 0 { seriesWithYearBack += 1 }
        if stride > 1 {
            sampledSeries += 1
            widestStride = max(widestStride, stride)
        }
    }

    /// For people: "2000 series: 6 recent origins each, 2400 a year back from 600 of them".
    public var summary: String {
        let near =
            series > 0 && recent % series == 0
            ? "\(recent / series) recent origin\(recent == series ? "" : "s") each"
            : "\(recent) recent origins"
        let back = yearBack == 0 ? "none a year back" : "\(yearBack) a year back from \(seriesWithYearBack) of them"
        var how = ""
        if let budgetBytes, let budgetRows {
            let mib = budgetBytes % (1 << 20) == 0 ? "\(budgetBytes >> 20) MiB" : String(format: "%.1f MiB", Double(budgetBytes) / Double(1 << 20))
            how =
                sampledSeries == 0
                ? " (every origin of their history: the \(mib) training budget holds \(budgetRows) rows)"
                : " (the \(mib) training budget holds \(budgetRows) rows: \(sampledSeries) series learned from a sample of their history, up to every \(widestStride)th origin)"
        }
        if let scopeSeries, let rowCap {
            how +=
                " (a sample: \(series) of the \(scopeSeries) series in scope, spread evenly over the series list, as many as the cap of \(rowCap) rows holds at one origin each)"
        }
        return "\(series) series: \(near), \(back)\(how)"
    }
}
