import Foundation
import Testing

@testable import Forecasting

/// `PriceRegression`: the log-log price and promotion regression with a local level, per series.
struct PriceRegressionTests {
    static let monday = 20_416  // 2025-11-24, a Monday (unix day)
    static let early: Int64 = 0  // known since 2000-01-01

    /// A weekly series with its prices and promotions (one row per week, all known early unless `knownAt` says otherwise).
    static func series(_ values: [Double], prices: [Double], display: [Double], knownAt: (Int) -> Int64 = { _ in early }) -> GlobalSeries {
        let days = values.indices.map { monday + 7 * $0 }
        let planned = PlannedInputs(
            promotions: display.indices.filter { display[$0] > 0 }.map {
                PlannedInputs.Promotion(day: days[$0], intensity: display[$0], type: "display", knownAt: knownAt($0))
            },
            prices: prices.indices.map { PlannedInputs.Price(day: days[$0], price: prices[$0], knownAt: knownAt($0)) })
        return GlobalSeries(
            id: 1, values: values, censored: [Bool](repeating: false, count: values.count), startDay: monday,
            category: 0, region: 0, planned: planned, frequency: .week)
    }

    struct Reference: Decodable {
        let values: [Double], price: [Double], display: [Double]
        let origin: Int
        let coefficients: [Double]
        let level: Double
        let mean: [Double]
    }

    /// The leave-one-out errors that choose the ridge penalty (one eigendecomposition serving every
    /// penalty) equal brute force: n refits of the intercept and the penalized slopes, each without
    /// one row, predicting that row.
    @Test func leaveOneOutErrorsEqualRefitsWithoutEachRow() throws {
        var state: UInt64 = 11
        func u() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) * 0x1p-53
        }
        let n = 40, q = 4
        let raw = (0..<n).map { _ -> [Double] in
            let v = (0..<q).map { _ in u() }
            return [v[0], v[1], 0.7 * v[0] + 0.3 * v[2], v[3] * v[3]]  // two correlated columns
        }
        let y = raw.map { x in 1 + 2 * x[0] - x[1] + 0.5 * x[3] + 0.3 * (u() - 0.5) }
        let means = (0..<q).map { j in raw.reduce(0) { $0 + $1[j] } / Double(n) }
        let sds = (0..<q).map { j in (raw.reduce(0) { $0 + ($1[j] - means[j]) * ($1[j] - means[j]) } / Double(n)).squareRoot() }
        let z = raw.flatMap { x in (0..<q).map { (x[$0] - means[$0]) / sds[$0] } }
        let ybar = y.reduce(0, +) / Double(n)
        var gram = [Double](repeating: 0, count: q * q), b = [Double](repeating: 0, count: q)
        for r in 0..<n {
            for i in 0..<q {
                b[i] += z[r * q + i] * (y[r] - ybar)
                for j in 0..<q { gram[i * q + j] += z[r * q + i] * z[r * q + j] }
            }
        }
        let fast = PriceRegression.leaveOneOutErrors(z: z, gram: gram, b: b, y: y, ybar: ybar, q: q, penalties: PriceRegression.penalties)
        for (penalty, press) in zip(PriceRegression.penalties, fast) {
            var brute = 0.0
            for out in 0..<n {
                let p = q + 1
                var a = [Double](repeating: 0, count: p * p), rhs = [Double](repeating: 0, count: p)
                for r in 0..<n where r != out {
                    let x = [1.0] + z[(r * q)..<((r + 1) * q)]
                    for i in 0..<p {
                        rhs[i] += x[i] * y[r]
                        for j in 0..<p { a[i * p + j] += x[i] * x[j] }
                    }
                }
                for i in 1..<p { a[i * p + i] += penalty * Double(n) }  // the same penalty, the intercept free
                let coefficients = try Cholesky(a, p).solve(rhs)
                let x = [1.0] + z[(out * q)..<((out + 1) * q)]
                let e = y[out] - zip(x, coefficients).reduce(0) { $0 + $1.0 * $1.1 }
                brute += e * e
            }
            #expect(abs(press - brute) <= 1e-9 * brute, "penalty \(penalty): \(press) against \(brute)")
        }
    }

    /// Against statsmodels (Fixtures/price_regression_reference.json, made by
    /// Fixtures/make_price_regression_fixture.py): OLS coefficients, the smoothed level and the
    /// three forecasts, with the ridge term off (least squares).
    @Test func matchesStatsmodels() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/price_regression_reference.json")
        let ref = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
        var model = PriceRegression(horizon: 3, frequency: .week)
        model.ridge = 0
        let s = Self.series(ref.values, prices: ref.price, display: ref.display)
        let f = try model.forecast(s, origin: ref.origin, level: 0.8)
        for h in 0..<3 {
            #expect(abs(f.mean[h] - ref.mean[h]) <= 1e-9 * ref.mean[h], "h=\(h + 1): \(f.mean[h]) vs statsmodels \(ref.mean[h])")
            #expect(f.lower[h] <= f.mean[h] && f.mean[h] <= f.upper[h])
        }
        // The default small ridge term moves the forecasts by well under 1%.
        let ridged = try PriceRegression(horizon: 3, frequency: .week).forecast(s, origin: ref.origin, level: 0.8)
        for h in 0..<3 { #expect(abs(ridged.mean[h] / ref.mean[h] - 1) < 0.01) }
    }

    /// Noise-free demand with elasticity -3 and a promotion lift of exp(0.8): the forecast of a
    /// deeper discount than any in the history is exact (a log-log model extrapolates; trees do not).
    @Test func recoversElasticityAndExtrapolatesADeeperDiscount() throws {
        let n = 60
        var prices = (0..<n).map { $0 % 5 == 4 ? 1.8 : 2.0 }
        var display = (0..<n).map { $0 % 7 == 3 ? 1.0 : 0.0 }
        prices += [1.2, 2.0, 2.0]
        display += [0, 1, 0]
        let truth = zip(prices, display).map { p, d in Foundation.expm1(5 - 3 * Foundation.log(p / 2.0) + 0.8 * d) }
        var model = PriceRegression(horizon: 3, frequency: .week)
        model.ridge = 0
        let f = try model.forecast(Self.series(truth, prices: prices, display: display), origin: n - 1, level: 0.8)
        for h in 0..<3 {
            #expect(abs(f.mean[h] / truth[n + h] - 1) < 1e-9, "h=\(h + 1): \(f.mean[h]) vs \(truth[n + h])")
        }
        #expect(f.mean[0] > 4 * f.mean[2])  // 40% off: (1 / 0.6)^3 = 4.6x
    }

    /// Leakage: values after the origin, and prices or promotions announced after it (even for
    /// the target weeks), change nothing.
    @Test func onlyWhatWasKnownAtTheOriginReachesTheModel() throws {
        let n = 60, origin = 49
        let prices = (0..<n).map { $0 % 4 == 0 ? 1.5 : 2.0 }, display = (0..<n).map { $0 % 6 == 1 ? 0.7 : 0.0 }
        let values: [Double] = (0..<n).map { t in
            let promoted: Double = t % 4 == 0 ? 40 : 0
            return 100 + promoted + Double((t * 37) % 11)
        }
        let model = PriceRegression(horizon: 3, frequency: .week)
        let base = try model.forecast(Self.series(values, prices: prices, display: display), origin: origin, level: 0.8)
        var future = values
        for t in (origin + 1)..<n { future[t] = 1e6 }
        #expect(try model.forecast(Self.series(future, prices: prices, display: display), origin: origin, level: 0.8) == base)
        // A deep discount and a promotion on the target weeks, announced only after the origin closed
        // (on top of what was planned before: the latest announcement known at the origin counts).
        let originEnd = PlannedInputs.endOfDay(Self.monday + 7 * origin + 6)
        let s = Self.series(values, prices: prices, display: display)
        let targets = (origin + 1)...(origin + 3)
        let late = GlobalSeries(
            id: 1, values: values, censored: s.censored, startDay: Self.monday, category: 0, region: 0,
            planned: PlannedInputs(
                promotions: s.planned!.promotions
                    + targets.map {
                        PlannedInputs.Promotion(day: Self.monday + 7 * $0, intensity: 1, type: "display", knownAt: originEnd + 1)
                    },
                prices: s.planned!.prices
                    + targets.map {
                        PlannedInputs.Price(day: Self.monday + 7 * $0, price: 0.5, knownAt: originEnd + 1)
                    }),
            frequency: .week)
        #expect(try model.forecast(late, origin: origin, level: 0.8) == base)
        // Known in time, the same announcements do change the forecast.
        let onTime = GlobalSeries(
            id: 1, values: values, censored: s.censored, startDay: Self.monday, category: 0, region: 0,
            planned: PlannedInputs(
                promotions: late.planned!.promotions,
                prices: late.planned!.prices.map {
                    PlannedInputs.Price(day: $0.day, price: $0.price, knownAt: min($0.knownAt, originEnd))
                }),
            frequency: .week)
        #expect(try model.forecast(onTime, origin: origin, level: 0.8).mean[0] > 2 * base.mean[0])
    }

    /// Where the regression cannot be believed or fitted: demand rising with price drops the price
    /// term; no prices, or too short a history, is an error the caller serves with its fallback.
    @Test func guardsItsInputs() throws {
        let n = 40
        let prices = (0..<n + 3).map { $0 % 3 == 0 ? 1.5 : 2.0 }, display = [Double](repeating: 0, count: n + 3)
        let rising = (0..<n + 3).map { prices[$0] < 2 ? 50.0 : 100.0 }  // "cheaper sells less": not believed
        var model = PriceRegression(horizon: 3, frequency: .week)
        model.ridge = 0
        let s = Self.series(rising, prices: prices, display: display)
        #expect(try model.fit(s, origin: n - 1).beta[1] == 0)  // no price term left
        #expect(try model.fit(Self.series(rising.map { 150 - $0 }, prices: prices, display: display), origin: n - 1).beta[1] < -0.5)
        // Three discounted weeks and three promoted ones are not enough to estimate their effects
        // (one such week once made a slope that forecast 3e9 units); four are.
        for (events, estimated) in [(3, false), (4, true)] {
            let marked = (0..<(n + 3)).map { $0 < n && $0 % 10 == 5 && $0 / 10 < events }
            let p = marked.map { $0 ? 1.5 : 2.0 }, d = marked.map { $0 ? 1.0 : 0.0 }
            let y = marked.enumerated().map { t, m in (m ? 300.0 : 100.0) + Double((t * 37) % 11) }
            // (The discounts and the promotions fall on the same weeks: least squares alone would be singular.)
            let beta = try PriceRegression(horizon: 3, frequency: .week).fit(Self.series(y, prices: p, display: d), origin: n - 1).beta
            #expect((beta[1] != 0) == estimated && (beta[2] != 0) == estimated && (beta[3] != 0) == estimated, "\(events) events: \(beta)")
        }
        let bare = GlobalSeries(
            id: 1, values: rising, censored: [Bool](repeating: false, count: n + 3), startDay: Self.monday,
            category: 0, region: 0, frequency: .week)
        #expect(throws: ForecastError.self) { try model.forecast(bare, origin: n - 1, level: 0.8) }
        #expect(throws: ForecastError.tooShort(model: "PriceRegression", needed: 26, got: 20)) {
            try model.forecast(Self.series(rising, prices: prices, display: display), origin: 19, level: 0.8)
        }
    }

    /// The one-pass promotion table gives, per period, what `PlannedInputs.promotionIntensity` gives:
    /// two types, re-announcements (the latest known counts, even when lower), some known too late.
    @Test func promotionTableMatchesThePerPeriodLookup() {
        var state: UInt64 = 11
        func u() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) * 0x1.0p-53
        }
        let knownBy: Int64 = 1_000
        var promotions: [PlannedInputs.Promotion] = []
        for _ in 0..<300 {
            promotions.append(
                PlannedInputs.Promotion(
                    day: Self.monday - 10 + Int(u() * 200), intensity: (u() * 10).rounded() / 10,
                    type: u() < 0.5 ? "deal" : "feature", knownAt: Int64(u() * 1_500)))
        }
        let planned = PlannedInputs(promotions: promotions, prices: [])
        let s = GlobalSeries(
            id: 1, values: [Double](repeating: 1, count: 26), censored: [Bool](repeating: false, count: 26),
            startDay: Self.monday, category: 0, region: 0, planned: planned, frequency: .week)
        let table = PriceRegression.intensities(
            planned.promotions, types: ["deal", "feature"], periods: 26, startDay: Self.monday,
            daysPerPeriod: 7, knownBy: knownBy)
        for p in 0..<26 {
            let lookup = planned.promotionIntensity(in: s.days(ofPeriod: p), knownBy: knownBy)
            #expect(table[0][p] == lookup["deal"] ?? 0 && table[1][p] == lookup["feature"] ?? 0, "week \(p)")
        }
    }

    /// Daily series: one term per weekday, so a weekly pattern is forecast on top of the price effect.
    @Test func dailySeriesLearnTheirWeekdays() throws {
        let week = [1.0, 1.0, 1.1, 1.2, 1.5, 2.0, 0.8]
        let n = 120, start = Self.monday
        let prices = (0..<n + 7).map { ($0 / 7) % 4 == 0 ? 3.0 : 4.0 }
        let values = (0..<n + 7).map { t in (50 * week[t % 7] * pow(prices[t] / 4, -2)).rounded() }
        let planned = PlannedInputs(promotions: [], prices: prices.indices.map { PlannedInputs.Price(day: start + $0, price: prices[$0], knownAt: 0) })
        let s = GlobalSeries(
            id: 1, values: values, censored: [Bool](repeating: false, count: n + 7), startDay: start,
            category: 0, region: 0, planned: planned, frequency: .day)
        let f = try PriceRegression(horizon: 7, frequency: .day).forecast(s, origin: n - 1, level: 0.8)
        for h in 0..<7 { #expect(abs(f.mean[h] / values[n + h] - 1) < 0.03, "day \(h + 1): \(f.mean[h]) vs \(values[n + h])") }
    }
}
