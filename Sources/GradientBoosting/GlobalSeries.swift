import Forecasting

/// One series as the global model sees it: values per period (days or ISO weeks) from `startDay`
/// (unix day of period 0's first day), stockout periods already imputed, and the codes of its SCD
/// attributes at the cutoff.
public struct GlobalSeries: Sendable {
    public let id: Int
    public let values: [Double]
    public let censored: [Bool]
    public let startDay: Int
    public let frequency: Frequency
    public let category: Int
    public let region: Int
    /// Code of the location (for "same category at the same location" price comparisons).
    public let location: Int
    public let family: Int
    /// Code of the item (the categorical booster's `item` feature; -1: unknown).
    public let item: Int
    public let planned: PlannedInputs?
    /// Extra item/location attributes valid at the cutoff, in the model's attribute order (NaN: missing).
    public var attributes: [Float]

    public init(
        id: Int, values: [Double], censored: [Bool], startDay: Int, category: Int, region: Int,
        location: Int = -1, family: Int = -1, item: Int = -1, planned: PlannedInputs? = nil, frequency: Frequency = .day,
        attributes: [Float] = []
    ) {
        self.item = item
        self.planned = planned
        self.attributes = attributes
        self.location = location
        self.family = family
        self.id = id
        self.values = Censoring.impute(values, censored: censored)
        self.censored = censored
        self.startDay = startDay
        self.frequency = frequency
        self.category = category
        self.region = region
    }

    /// First day (unix day) of period `t`.
    func firstDay(ofPeriod t: Int) -> Int { frequency.advance(CivilDay(unixDay: startDay), by: t).unixDay }

    /// Every day of period `t`.
    func days(ofPeriod t: Int) -> ClosedRange<Int> { frequency.days(ofPeriodStarting: CivilDay(unixDay: firstDay(ofPeriod: t))) }
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

    /// Over the days of one period: any holiday (NaN when the calendar has none of its days), and
    /// the first event's code (0 = none).
    func period(_ days: ClosedRange<Int>) -> (holiday: Float, event: Float) {
        var known = false, holiday = false, event = 0
        for d in days {
            guard let f = self.days[d] else { continue }
            known = true
            holiday = holiday || f.holiday
            if event == 0 { event = f.event }
        }
        return known ? (holiday ? 1 : 0, Float(event)) : (.nan, .nan)
    }
}
