import Foundation

/// A local dynamic price-response regression, one per series: the classic retail promotion model
/// (log-log own-price elasticity with promotion multipliers, as in SCAN*PRO, Wittink et al. 1988)
/// with a local level (regression with exponential-smoothing errors):
///
///     log(1 + y_p) = a + b r_p + d r_(p-1) + sum_k c_k promo_k,p [+ weekday terms] [+ g x_p] + level_p + e_p,
///     r_p = log(price_p / regular_p)
///
/// - `price_p`: the price in force on period p's first day; `regular_p`: the highest price in
///   force over the `regularWindow` periods ending at p (so a temporary discount reads as a
///   negative log ratio, and a permanent price change becomes the new regular price).
/// - `r_(p-1)`: the previous period's ratio, for the dip after a deal (shoppers stocked up; van
///   Heerde, Leeflang and Wittink 2000).
/// - `promo_k,p`: the highest intensity of promotion type k in period p (one column per type).
/// - Daily series also get one column per weekday (Monday is the reference).
/// - `x_p`: the competing items' price index (`CompetitorIndex`, the other items of the category
///   at the location), kept per series only where it helps (`keepCompetitorsIfTheyHelp`).
/// - The coefficients are ridge least squares on every uncensored period up to the origin, the
///   penalty chosen per series by leave-one-out error (`fit(_:_:keep:)`). A term is estimated only
///   from at least `minimumEvents` periods that show it (discounts, or that promotion type); a
///   positive price coefficient (demand rising with price) is not believed: that column is
///   dropped and the rest refitted.
/// - `level`: simple exponential smoothing (alpha 0.1) of the fit's residuals, so the forecast
///   follows where the series stands now.
/// - Point = expm1 of the predicted log: the **median** (WAPE and MAPE reward it). The interval
///   comes from the in-sample h-step errors of that level, in log units.
///
/// Every planned input (history and targets alike) is read as known when the origin period
/// closed: a price or promotion announced later changes nothing.
public struct PriceRegression: Sendable {
    public static let name = "PriceRegression"
    public var horizon: Int
    public var frequency: Frequency
    public var alpha = 0.1
    /// Ridge penalty per observation on the scaled columns; nil: chosen per series by leave-one-out
    /// error (`fit`); 0: least squares.
    public var ridge: Double?

    public init(horizon: Int, frequency: Frequency) {
        self.horizon = horizon
        self.frequency = frequency
    }

    /// What the regression reads, for lineage (the model card): one row per design column.
    public static func inputs(frequency: Frequency) -> [FeatureDescription] {
        let p = frequency.noun
        let window = PriceRegression(horizon: 1, frequency: frequency).regularWindow
        var out = [
            FeatureDescription(
                name: "target", formula: "log(1 + y(p)), every uncensored \(p) up to the origin",
                source: "demand.sales, demand.inventory (stockouts left out)", knownAt: "origin"),
            FeatureDescription(
                name: "log_price_ratio", formula: "log(price(p) / regular(p)), regular = the highest price in force over the \(window) \(p)s ending at p",
                source: "demand.prices", knownAt: "planned, known_at <= origin"),
            FeatureDescription(
                name: "log_price_ratio_before", formula: "log_price_ratio(p - 1): the dip after a deal",
                source: "demand.prices", knownAt: "planned, known_at <= origin"),
            FeatureDescription(
                name: "promo_<type>", formula: "highest intensity of each promotion type in \(p) p (one column per type)",
                source: "demand.promotions", knownAt: "planned, known_at <= origin"),
        ]
        out.append(
            FeatureDescription(
                name: "competitor_price_index",
                formula:
                    "mean over the other items of the category at the location of log(price(p) / regular(p)), each as the series' own ratio; kept only where its coefficient says substitutes and it lowers the leave-one-out error",
                source: "demand.prices of every item of the category at the location (demand.items valid at the cutoff)", knownAt: "planned, known_at <= origin"
            ))
        if frequency == .day {
            out.append(
                FeatureDescription(name: "weekday", formula: "one column per weekday (Monday the reference)", source: "calendar arithmetic", knownAt: "always")
            )
        }
        out.append(
            FeatureDescription(
                name: "level", formula: "exponential smoothing (alpha 0.1) of the fit's residuals up to the origin",
                source: "demand.sales", knownAt: "origin"))
        return out
    }

    /// Periods over which the regular price is the highest one: four weeks of days, a quarter of weeks.
    public var regularWindow: Int { frequency == .day ? 28 : 13 }
    /// Fewest uncensored periods with a known price the fit accepts.
    public var minimumPeriods: Int { frequency == .day ? 56 : 26 }

    /// The design of one series: planned inputs per period as known at the origin.
    struct Design {
        let columns: Int
        /// Columns of the promotion types (after the intercept and the two price ratios).
        let promotions: Range<Int>
        /// Column of the competitors' price index (the last), when the series has competitors.
        var competitors: Int? = nil
        /// Row of period p (nil: its price is unknown).
        let row: (Int) -> [Double]?
    }

    func design(_ s: GlobalSeries, through last: Int, knownBy: Int64, competitors: CompetitorIndex? = nil) throws -> Design {
        guard let planned = s.planned, !planned.prices.isEmpty else {
            throw ForecastError.invalidParameter(model: Self.name, message: "the series has no prices")
        }
        let prices: [Double?] = (0...last).map { p in
            planned.price(on: s.firstDay(ofPeriod: p), knownBy: knownBy).flatMap { $0 > 0 && $0.isFinite ? $0 : nil }
        }
        let types = Array(Set(planned.promotions.filter { $0.knownAt <= knownBy }.map(\.type))).sorted()
        let promos = Self.intensities(
            planned.promotions, types: types, periods: last + 1, startDay: s.startDay,
            daysPerPeriod: frequency == .day ? 1 : 7, knownBy: knownBy)
        let weekdays = frequency == .day
        let window = regularWindow
        let start = CivilDay(unixDay: s.startDay).isoWeekday
        func ratio(_ p: Int) -> Double? {
            guard p >= 0, let price = prices[p] else { return nil }
            var regular = price
            for q in max(0, p - window + 1)..<p { if let r = prices[q] { regular = max(regular, r) } }
            return CompetitorIndex.logRatio(price, regular)
        }
        let base = 3 + types.count + (weekdays ? 6 : 0)
        // The competitors' index per period (0 where no competitor's price is known), read once.
        let cross: [Double]? = competitors.map { index in
            (0...last).map { index.excluding(planned, day: s.firstDay(ofPeriod: $0)) ?? 0 }
        }
        return Design(columns: base + (cross == nil ? 0 : 1), promotions: 3..<(3 + types.count), competitors: cross == nil ? nil : base) { p in
            guard let r = ratio(p) else { return nil }
            var x = [1, r, ratio(p - 1) ?? 0]
            for k in types.indices { x.append(promos[k][p]) }
            if weekdays {
                let weekday = (start - 1 + p) % 7  // 0 = Monday
                for d in 1..<7 { x.append(weekday == d ? 1 : 0) }
            }
            if let cross { x.append(cross[p]) }
            return x
        }
    }

    /// Per type (in `types` order) and period, the highest intensity on a day of the period, each
    /// day and type counting its latest announcement known by `knownBy` (what
    /// `PlannedInputs.promotionIntensity` gives per period, in one pass over the sorted rows).
    static func intensities(
        _ promotions: [PlannedInputs.Promotion], types: [String], periods: Int, startDay: Int,
        daysPerPeriod: Int, knownBy: Int64
    ) -> [[Double]] {
        var out = [[Double]](repeating: [Double](repeating: 0, count: periods), count: types.count)
        let index = Dictionary(uniqueKeysWithValues: types.enumerated().map { ($1, $0) })
        var i = 0
        while i < promotions.count {
            let first = promotions[i]
            var latest: Double?
            while i < promotions.count && promotions[i].day == first.day && promotions[i].type == first.type {
                if promotions[i].knownAt <= knownBy { latest = promotions[i].intensity }
                i += 1
            }
            let offset = first.day - startDay
            guard let value = latest, offset >= 0, offset / daysPerPeriod < periods, let k = index[first.type] else { continue }
            out[k][offset / daysPerPeriod] = max(out[k][offset / daysPerPeriod], value)
        }
        return out
    }

    /// A discount is a price at least this far below the regular one (log ratio).
    static let discount = 0.02
    /// Fewest periods with a discount (or with a promotion type) for its term to be estimated.
    static let minimumEvents = 4

    /// A series' fit at an origin: its design, coefficients and training rows.
    struct Fit {
        let design: Design
        let beta: [Double]
        let rows: [[Double]]
        let targets: [Double]
    }

    /// The regression of a series on its periods up to origin t, as known when t closed.
    func fit(_ s: GlobalSeries, origin t: Int, competitors: CompetitorIndex? = nil) throws -> Fit {
        let knownBy = Self.knownBy(s, origin: t)
        let design = try design(s, through: t + horizon, knownBy: knownBy, competitors: competitors?.knownBy == knownBy ? competitors : nil)
        var rows: [[Double]] = [], targets: [Double] = []
        for p in 0...t where !s.censored[p] && s.values[p].isFinite {
            guard let x = design.row(p) else { continue }
            rows.append(x)
            targets.append(Foundation.log1p(max(0, s.values[p])))
        }
        guard rows.count >= minimumPeriods else {
            throw ForecastError.tooShort(model: Self.name, needed: minimumPeriods, got: rows.count)
        }
        // An effect is estimated only from periods that show it: a price term needs discounts in
        // the history, a promotion type its promoted periods (one odd period makes a wild slope).
        var keep = Array(repeating: true, count: design.columns)
        if rows.filter({ $0[1] <= -Self.discount }).count < Self.minimumEvents {
            keep[1] = false
            keep[2] = false
        }
        for j in design.promotions where rows.filter({ $0[j] > 0 }).count < Self.minimumEvents { keep[j] = false }
        if let j = design.competitors, rows.filter({ $0[j] <= -Self.discount }).count < Self.minimumEvents { keep[j] = false }
        var beta = try fit(rows, targets, keep: keep)
        if beta[1] > 0 {
            keep[1] = false
            beta = try fit(rows, targets, keep: keep)
        }
        if let j = design.competitors, keep[j] {
            beta = try keepCompetitorsIfTheyHelp(j, rows, targets, keep: &keep, beta: beta)
        }
        return Fit(design: design, beta: beta, rows: rows, targets: targets)
    }

    /// Forecast h = 1...horizon from origin t (index into the series), as known when t closed.
    /// `competitors`: the index of the series' category at its location as known when t closed
    /// (`knownBy(_:origin:)`; an index built for another time is ignored), nil: none.
    public func forecast(_ s: GlobalSeries, origin t: Int, level: Double, competitors: CompetitorIndex? = nil) throws -> Forecast {
        let fit = try fit(s, origin: t, competitors: competitors)
        func predict(_ x: [Double]) -> Double { zip(x, fit.beta).reduce(0) { $0 + $1.0 * $1.1 } }
        // The level of the residuals, and its in-sample h-step errors (two quantiles each, selected
        // rather than sorted: sorting them was nearly half of a run's CPU for this model).
        let residuals = zip(fit.rows, fit.targets).map { $1 - predict($0) }
        var levels: [Double] = []
        var l = 0.0
        for r in residuals {
            l += alpha * (r - l)
            levels.append(l)
        }
        var errors = [[Double]](repeating: [], count: horizon)
        for h in 1...horizon where residuals.count > h {
            errors[h - 1] = (0..<(residuals.count - h)).map { residuals[$0 + h] - levels[$0] }
        }
        var mean: [Double] = [], lower: [Double] = [], upper: [Double] = []
        var lastRow = fit.rows[fit.rows.count - 1]
        for h in 1...horizon {
            // A target period without a known price keeps the last known row's price terms.
            let x = fit.design.row(t + h) ?? lastRow
            lastRow = x
            let log = predict(x) + l
            let e = errors[h - 1].count >= 5 ? errors[h - 1] : errors.flatMap { $0 }
            let (lo, hi) = e.isEmpty ? (0, 0) : selectedQuantiles(e, (1 - level) / 2, (1 + level) / 2)
            mean.append(Foundation.expm1(min(log, 700)))
            lower.append(Foundation.expm1(min(log + min(0, lo), 700)))
            upper.append(Foundation.expm1(min(log + max(0, hi), 700)))
        }
        return Forecast(mean: mean, lower: lower, upper: upper, level: level).clampedNonNegative()
    }
}
