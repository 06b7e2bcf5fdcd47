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
