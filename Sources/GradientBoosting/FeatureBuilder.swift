import Forecasting
import Foundation

/// Builds feature rows (in `FeatureSpec` order) from a series' history up to the origin and the
/// planned inputs known when the origin closed — nothing else.
struct FeatureBuilder: Sendable {
    let calendar: CalendarFacts
    let frequency: Frequency
    let windows: FeatureWindows
    /// Promotion types, sorted: one feature column each.
    var promoTypes: [String] = []
    /// Competing items' prices per (category, location, target period, origin).
    var categoryPrices = CategoryPrices()
    /// Extra item/location attributes: the last columns, from `GlobalSeries.attributes`.
    var attributes: [String] = []
    let featureSet: FeatureSet

    init(
        calendar: CalendarFacts, frequency: Frequency = .day, promoTypes: [String] = [], attributes: [String] = [],
        featureSet: FeatureSet = .longMemory
    ) {
        self.calendar = calendar
        self.frequency = frequency
        windows = FeatureWindows(frequency)
        self.promoTypes = promoTypes
        self.attributes = attributes
        self.featureSet = featureSet
    }

    var spec: FeatureSpec { FeatureSpec(frequency: frequency, promoTypes: promoTypes, attributes: attributes, featureSet: featureSet) }
    var columnCount: Int {
        29 + (featureSet.hasLongMemory ? 1 + 2 * (windows.logWindows.count + 1) : 0) + (featureSet == .categorical ? 2 : 0)
            + promoTypes.count + attributes.count
    }

    static func promoTypes(_ series: [GlobalSeries]) -> [String] {
        Set(series.flatMap { $0.planned?.promotions.map(\.type) ?? [] }).sorted()
    }

    /// Mean of the long window up to t (else the history mean, else 1): what labels and lags are divided by.
    func scale(_ y: [Double], origin t: Int) -> Double {
        let window = y[max(0, t - windows.long + 1)...t]
        let recent = window.reduce(0, +) / Double(window.count)
        if recent > 0 { return recent }
        let all = y[0...t].reduce(0, +) / Double(t + 1)
        return all > 0 ? all : 1
    }

    /// One row; `levels`: the origin's levels when the caller built them once for every step.
    func row(_ s: GlobalSeries, origin t: Int, horizon h: Int, scale: Double, levels: OriginLevels? = nil) -> [Float] {
        let y = s.values, w = windows
        func lag(_ k: Int) -> Float { t - k >= 0 ? Float(y[t - k] / scale) : .nan }
        let long = y[max(0, t - w.long + 1)...t], short = y[max(0, t - w.short + 1)...t]
        let meanLong = long.reduce(0, +) / Double(long.count)
        let sdLong = (long.reduce(0) { $0 + ($1 - meanLong) * ($1 - meanLong) } / Double(long.count)).squareRoot()
        let zeros = Double(long.filter { $0 == 0 }.count) / Double(long.count)
        let stockouts = Double(s.censored[max(0, t - w.long + 1)...t].filter { $0 }.count) / Double(long.count)
        let lastSeason = t + h - w.season * ((h + w.season - 1) / w.season)
        let targetDays = s.days(ofPeriod: t + h)
        let target = CivilDay(unixDay: targetDays.lowerBound)
        let originDay = s.days(ofPeriod: t).upperBound
        let facts = calendar.period(targetDays)
        let angle = 2 * Double.pi * Double(target.dayOfYear) / 365.25
        var row: [Float] = [
            Float(h), lag(0), lag(1), lag(2), lag(w.short - 1),
            lastSeason >= 0 && lastSeason <= t ? Float(y[lastSeason] / scale) : .nan,
            Float(short.reduce(0, +) / Double(short.count) / scale), Float(meanLong / scale), Float(sdLong / scale),
            Float(zeros), Float(stockouts),
            Float(target.isoWeekday), Float(target.month), Float(target.isoWeek), Float(sin(angle)), Float(cos(angle)),
            facts.holiday, facts.event,
        ]
        // Planned inputs as known when the origin's last day closed.
        let knownBy = PlannedInputs.endOfDay(originDay)
        let promos = s.planned?.promotionIntensity(in: targetDays, knownBy: knownBy) ?? [:]
        let promosAtOrigin = s.planned?.promotionIntensity(in: s.days(ofPeriod: t), knownBy: knownBy) ?? [:]
        row.append(Float(promos.values.max() ?? 0))
        row.append(Float(promosAtOrigin.values.max() ?? 0))
        for type in promoTypes { row.append(Float(promos[type] ?? 0)) }
        var priceRatio: Float = .nan, discount: Float = .nan, change: Float = .nan, categoryRatio: Float = .nan,
            cheapestRatio: Float = .nan
        if let planned = s.planned, let price = planned.price(on: target.unixDay, knownBy: knownBy) {
            var sum = 0.0, n = 0.0, regular = 0.0
            for k in w.priceOffsets {
                if let p = planned.price(on: s.firstDay(ofPeriod: t - k), knownBy: knownBy) {
                    sum += p
                    n += 1
                    regular = max(regular, p)
                }
            }
            if n > 0 && sum > 0 { priceRatio = Float(price / (sum / n)) }
            if regular > 0 { discount = Float(max(0, 1 - price / regular)) }
            if let before = planned.price(on: s.firstDay(ofPeriod: t + h - 1), knownBy: knownBy), before > 0 {
                change = Float(price / before)
            }
            if let entry = categoryPrices.entry(category: s.category, location: s.location, day: target.unixDay, originDay: originDay) {
                if entry.average > 0 { categoryRatio = Float(price / entry.average) }
                if let cheapest = entry.cheapestCompetitor(excluding: s.id), cheapest > 0 { cheapestRatio = Float(price / cheapest) }
            }
        }
        row += [
            priceRatio, discount, change, categoryRatio, cheapestRatio,
            Float(s.category), Float(s.family), Float(s.region), Float(Foundation.log1p(scale)),
        ]
        if featureSet.hasLongMemory { row += levelColumns(levels ?? self.levels(y, origin: t)) }
        // Categories are codes >= 0 (XGBoost's categorical splits); an unknown one is missing.
        if featureSet == .categorical { row += [s.item >= 0 ? Float(s.item) : .nan, s.location >= 0 ? Float(s.location) : .nan] }
        for i in attributes.indices { row.append(i < s.attributes.count ? s.attributes[i] : .nan) }
        return row
    }
}
