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

    /// Ridge least squares over the kept columns: the intercept (column 0) unpenalized, the others
    /// centred and scaled to unit variance, the penalty (`ridge` per observation, or when nil the
    /// one of `penalties` with the smallest leave-one-out error, PRESS) on the scaled columns.
    /// Dropped columns, and columns without variation, get coefficient 0.
    func fit(_ rows: [[Double]], _ y: [Double], keep: [Bool]) throws -> [Double] {
        try fitScored(rows, y, keep: keep).beta
    }

    /// `fit`, with the leave-one-out squared error (PRESS) of the fit it returns.
    func fitScored(_ rows: [[Double]], _ y: [Double], keep: [Bool]) throws -> (beta: [Double], press: Double) {
        let n = Double(rows.count)
        var cols: [Int] = [], means: [Double] = [], sds: [Double] = []
        for j in 1..<keep.count where keep[j] {
            let m = rows.reduce(0) { $0 + $1[j] } / n
            let v = rows.reduce(0) { $0 + ($1[j] - m) * ($1[j] - m) } / n
            guard v > 1e-12 else { continue }
            cols.append(j)
            means.append(m)
            sds.append(v.squareRoot())
        }
        let q = cols.count, count = rows.count
        let ybar = y.reduce(0, +) / n
        // Scaled columns, row-major and flat (the loops below run per row and penalty).
        var z = [Double](repeating: 0, count: count * q)
        for (r, x) in rows.enumerated() { for i in 0..<q { z[r * q + i] = (x[cols[i]] - means[i]) / sds[i] } }
        var gram = [Double](repeating: 0, count: q * q), b = [Double](repeating: 0, count: q)
        for r in 0..<count {
            for i in 0..<q {
                b[i] += z[r * q + i] * (y[r] - ybar)
                for j in 0...i { gram[i * q + j] += z[r * q + i] * z[r * q + j] }
            }
        }
        for i in 0..<q { for j in 0..<i { gram[j * q + i] = gram[i * q + j] } }
        let penalties = ridge.map { [$0] } ?? Self.penalties
        // The penalty with the smallest PRESS (one penalty: that one, its PRESS still reported); a
        // penalty whose penalized Gram matrix is not positive definite (collinear columns, no
        // penalty) is skipped.
        let errors = Self.leaveOneOutErrors(z: z, gram: gram, b: b, y: y, ybar: ybar, q: q, penalties: penalties)
        var best: (press: Double, factor: Cholesky)?
        for (penalty, press) in zip(penalties, errors) {
            var a = gram
            for i in 0..<q { a[i * q + i] += penalty * n }
            guard let factor = try? Cholesky(a, q) else { continue }
            if best == nil || press < best!.press { best = (press, factor) }
        }
        guard let gamma = best?.factor.solve(b) else {
            throw ForecastError.invalidParameter(model: Self.name, message: "degenerate design (collinear inputs)")
        }
        var beta = [Double](repeating: 0, count: keep.count)
        beta[0] = ybar
        for (i, j) in cols.enumerated() {
            beta[j] = gamma[i] / sds[i]
            beta[0] -= beta[j] * means[i]
        }
        return (beta, best?.press ?? .infinity)
    }

    /// The leave-one-out squared error (PRESS) of the ridge fit for each penalty, from the hat
    /// matrix: row r's leverage is h_rr = 1/n + z_r' A^-1 z_r (the 1/n is the centring) with
    /// A = Z'Z + penalty n I, and its deleted residual e_r / (1 - h_rr). One eigendecomposition
    /// Z'Z = V D V' serves every penalty: with u_r = V' z_r and c = V' b, h_rr = 1/n +
    /// sum_k u_rk^2 / (d_k + penalty n) and the fit is ybar + sum_k u_rk c_k / (d_k + penalty n),
    /// q operations per row and penalty instead of q^2 (this was most of the model's CPU).
    /// `z`: the centred, scaled columns (row-major, q per row); `b` = Z'(y - ybar).
    static func leaveOneOutErrors(
        z: [Double], gram: [Double], b: [Double], y: [Double], ybar: Double, q: Int,
        penalties: [Double]
    ) -> [Double] {
        let count = y.count, n = Double(count)
        let eigen = SymmetricEigen(gram, q)
        var u = [Double](repeating: 0, count: count * q)
        for r in 0..<count {
            for k in 0..<q {
                var sum = 0.0
                for i in 0..<q { sum += z[r * q + i] * eigen.vectors[i * q + k] }
                u[r * q + k] = sum
            }
        }
        var c = [Double](repeating: 0, count: q)
        for k in 0..<q { for i in 0..<q { c[k] += eigen.vectors[i * q + k] * b[i] } }
        return penalties.map { penalty in
            let inverse = eigen.values.map { 1 / ($0 + penalty * n) }
            var press = 0.0
            for r in 0..<count {
                var leverage = 1 / n, fitted = ybar
                for k in 0..<q {
                    let w = u[r * q + k] * inverse[k]
                    leverage += u[r * q + k] * w
                    fitted += w * c[k]
                }
                let e = (y[r] - fitted) / (1 - leverage)
                press += leverage < 1 - 1e-9 ? e * e : .infinity
            }
            return press
        }
    }

    /// Penalties per observation on the scaled columns that `fit` chooses from (0: least squares).
    static let penalties = [0, 0.01, 0.03, 0.1, 0.3, 1, 3]
}

/// The Cholesky factor of a symmetric positive-definite matrix (q x q, row-major), to solve with.
struct Cholesky {
    let l: [Double]
    let q: Int

    init(_ a: [Double], _ q: Int) throws {
        var l = [Double](repeating: 0, count: q * q)
        for i in 0..<q {
            for j in 0...i {
                var sum = a[i * q + j]
                for m in 0..<j { sum -= l[i * q + m] * l[j * q + m] }
                if i == j {
                    guard sum > 1e-12 * max(1, a[i * q + i]) else {
                        throw ForecastError.invalidParameter(model: PriceRegression.name, message: "singular design")
                    }
                    l[i * q + i] = sum.squareRoot()
                } else {
                    l[i * q + j] = sum / l[j * q + j]
                }
            }
        }
        self.l = l
        self.q = q
    }

    /// x with (L L') x = b.
    func solve(_ b: [Double]) -> [Double] {
        var z = [Double](repeating: 0, count: q)
        for i in 0..<q {
            var sum = b[i]
            for m in 0..<i { sum -= l[i * q + m] * z[m] }
            z[i] = sum / l[i * q + i]
        }
        var x = [Double](repeating: 0, count: q)
        for i in stride(from: q - 1, through: 0, by: -1) {
            var sum = z[i]
            for m in (i + 1)..<q { sum -= l[m * q + i] * x[m] }
            x[i] = sum / l[i * q + i]
        }
        return x
    }
}
