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
    public func firstDay(ofPeriod t: Int) -> Int { frequency.advance(CivilDay(unixDay: startDay), by: t).unixDay }

    /// Every day of period `t`.
    public func days(ofPeriod t: Int) -> ClosedRange<Int> { frequency.days(ofPeriodStarting: CivilDay(unixDay: firstDay(ofPeriod: t))) }
}
