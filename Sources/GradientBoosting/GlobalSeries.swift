import Foundation
import Forecasting

/// One series as the global model sees it: daily values from `startDay` (unix day of index 0),
/// stockout periods already imputed, and the codes of its SCD attributes at the cutoff.
public struct GlobalSeries: Sendable {
    public let id: Int
    public let values: [Double]
    public let censored: [Bool]
    public let startDay: Int
    public let category: Int
    public let region: Int
    /// Code of the location (for "same category at the same location" price comparisons).
    public let location: Int
    public let family: Int
    public let planned: PlannedInputs?

    public init(id: Int, values: [Double], censored: [Bool], startDay: Int, category: Int, region: Int,
                location: Int = -1, family: Int = -1, planned: PlannedInputs? = nil) {
        self.planned = planned
        self.location = location
        self.family = family
        self.id = id
        self.values = Censoring.impute(values, censored: censored)
        self.censored = censored
        self.startDay = startDay
        self.category = category
        self.region = region
    }
}

/// Calendar facts by unix day: holiday flag and event code (0 = none).
public struct CalendarFacts: Sendable {
    public var days: [Int: (holiday: Bool, event: Int)]

    public init(days: [Int: (holiday: Bool, event: Int)]) { self.days = days }

    /// Event name -> code (0 = none).
    public private(set) var eventCodes: [String: Int] = [:]

    /// Codes events by sorted name, so the same calendar always gives the same codes; pass the
    /// codes of a stored model to reproduce its encoding.
    public init(rows: [(day: Int, holiday: Bool, event: String?)], eventCodes: [String: Int]? = nil) {
        let names = Array(Set(rows.compactMap(\.event))).sorted()
        let code = eventCodes ?? Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0 + 1) })
        var days: [Int: (holiday: Bool, event: Int)] = [:]
        for r in rows { days[r.day] = (r.holiday, r.event.flatMap { code[$0] } ?? 0) }
        self.days = days
        self.eventCodes = code
    }
}

/// Builds feature rows (`FeatureSpec` order) from a series' history up to the origin only.
struct FeatureBuilder: Sendable {
    let calendar: CalendarFacts
    /// Promotion types coded by sorted name (0 = no promotion).
    var promoTypes: [String: Int] = [:]
    /// Average price of a category at a location on a day, as known at an origin day.
    var categoryPrices = CategoryPrices()

    static func promoTypes(_ series: [GlobalSeries]) -> [String: Int] {
        let names = Set(series.flatMap { $0.planned?.promotions.map(\.type) ?? [] }).sorted()
        return Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0 + 1) })
    }

    static func scale(_ y: [Double], origin t: Int) -> Double {
        let window = y[max(0, t - 27)...t]
        let recent = window.reduce(0, +) / Double(window.count)
        if recent > 0 { return recent }
        let all = y[0...t].reduce(0, +) / Double(t + 1)
        return all > 0 ? all : 1
    }

    func row(_ s: GlobalSeries, origin t: Int, horizon h: Int, scale: Double) -> [Float] {
        let y = s.values
        func lag(_ k: Int) -> Float { t - k >= 0 ? Float(y[t - k] / scale) : .nan }
        let w28 = y[max(0, t - 27)...t], w7 = y[max(0, t - 6)...t]
        let mean28 = w28.reduce(0, +) / Double(w28.count)
        let sd28 = (w28.reduce(0) { $0 + ($1 - mean28) * ($1 - mean28) } / Double(w28.count)).squareRoot()
        let zeros = Double(w28.filter { $0 == 0 }.count) / Double(w28.count)
        let stockouts = Double(s.censored[max(0, t - 27)...t].filter { $0 }.count) / Double(w28.count)
        let sameWeekday = t + h - 7 * ((h + 6) / 7)
        let day = s.startDay + t + h
        let civil = civilDate(day)
        let facts = calendar.days[day]
        // Planned inputs as known when the origin's day closed.
        let knownBy = PlannedInputs.endOfDay(s.startDay + t)
        var promoIntensity: Float = 0, promoType: Float = 0, priceRatio: Float = .nan, categoryRatio: Float = .nan
        if let planned = s.planned {
            if let promo = planned.promotion(on: day, knownBy: knownBy) {
                promoIntensity = Float(promo.intensity)
                promoType = Float(promoTypes[promo.type] ?? 0)
            }
            if let target = planned.price(on: day, knownBy: knownBy) {
                var sum = 0.0, n = 0.0
                for d in stride(from: s.startDay + t - 27, through: s.startDay + t, by: 7) {
                    if let p = planned.price(on: d, knownBy: knownBy) { sum += p; n += 1 }
                }
                if n > 0 && sum > 0 { priceRatio = Float(target / (sum / n)) }
                if let average = categoryPrices.average(category: s.category, location: s.location, day: day, originDay: s.startDay + t),
                   average > 0 {
                    categoryRatio = Float(target / average)
                }
            }
        }
        return [
            Float(h), lag(0), lag(1), lag(2), lag(6),
            sameWeekday >= 0 && sameWeekday <= t ? Float(y[sameWeekday] / scale) : .nan,
            Float(w7.reduce(0, +) / Double(w7.count) / scale), Float(mean28 / scale), Float(sd28 / scale),
            Float(zeros), Float(stockouts),
            Float(((day + 3) % 7 + 7) % 7 + 1), Float(civil.month), Float(civil.dayOfYear / 7),
            facts.map { $0.holiday ? 1 : 0 } ?? .nan, facts.map { Float($0.event) } ?? .nan,
            promoIntensity, promoType, priceRatio, categoryRatio,
            Float(s.category), Float(s.family), Float(s.region), Float(logarithm1p(scale)),
        ]
    }
}

func logarithm1p(_ x: Double) -> Double { Foundation.log1p(x) }

/// Average planned price per (category, location, day) as known at each origin day: competing
/// items' prices, for the "price relative to its category" feature. Filled from every series of a
/// scope when training; the prediction origin's values travel with the stored model.
public struct CategoryPrices: Sendable, Codable, Equatable {
    /// "category|location|day|originDay" -> average price.
    public var table: [String: Double] = [:]

    public init() {}

    static func key(_ c: Int, _ l: Int, _ day: Int, _ origin: Int) -> String { "\(c)|\(l)|\(day)|\(origin)" }

    public func average(category: Int, location: Int, day: Int, originDay: Int) -> Double? {
        table[Self.key(category, location, day, originDay)]
    }

    /// Averages, over the series of each (category, location), the price in force on each target
    /// day of each origin as known when that origin's day closed.
    public static func build(_ series: [GlobalSeries], origins: Set<Int>, horizon: Int) -> CategoryPrices {
        var sums: [String: (Double, Int)] = [:]
        for s in series {
            guard let planned = s.planned, !planned.prices.isEmpty else { continue }
            for origin in origins {
                let knownBy = PlannedInputs.endOfDay(origin)
                for h in 1...horizon {
                    guard let p = planned.price(on: origin + h, knownBy: knownBy) else { continue }
                    let k = key(s.category, s.location, origin + h, origin)
                    let (sum, n) = sums[k] ?? (0, 0)
                    sums[k] = (sum + p, n + 1)
                }
            }
        }
        var out = CategoryPrices()
        for (k, v) in sums { out.table[k] = v.0 / Double(v.1) }
        return out
    }
}

/// (month, day of year) of a unix day (proleptic Gregorian).
func civilDate(_ unixDay: Int) -> (month: Int, dayOfYear: Int) {
    let z = unixDay + 719468
    let era = (z >= 0 ? z : z - 146096) / 146097
    let doe = z - era * 146097
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let month = mp + (mp < 10 ? 3 : -9)
    // day of year counted from January 1
    let y = yoe + era * 400 + (month <= 2 ? 1 : 0)
    let jan1 = daysFromCivil(y, 1, 1)
    return (month, unixDay - jan1)
}

func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
    let y = m <= 2 ? y0 - 1 : y0
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146097 + doe - 719468
}
