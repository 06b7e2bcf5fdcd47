import Forecasting

/// Prices of competing items: per (category, location, target period, origin) the average and the
/// two lowest planned prices (with the owner of the lowest), as known when the origin closed. For
/// the "price against its category" and "price against the cheapest competitor" features. Filled
/// from every series of a scope when training; the prediction origin's values travel with the
/// stored model, since a worker sees only its own series.
public struct CategoryPrices: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var sum = 0.0, count = 0
        public var lowest: Double?, lowestOwner = -1, second: Double?
        public var average: Double { sum / Double(count) }

        public init() {}

        public init(sum: Double, count: Int, lowest: Double?, lowestOwner: Int, second: Double?) {
            (self.sum, self.count, self.lowest, self.lowestOwner, self.second) = (sum, count, lowest, lowestOwner, second)
        }

        public mutating func add(_ price: Double, owner: Int) {
            sum += price
            count += 1
            if lowest == nil || price < lowest! || (price == lowest! && owner < lowestOwner) {
                second = lowest
                lowest = price
                lowestOwner = owner
            } else if second == nil || price < second! {
                second = price
            }
        }

        /// The lowest price of an item other than `series`, or nil when it has no competitor.
        func cheapestCompetitor(excluding series: Int) -> Double? {
            lowestOwner == series ? second : lowest
        }
    }

    /// Which entry: a category at a location, the first day of a target period, the origin's closing day.
    public struct Key: Hashable, Sendable, Comparable {
        public var category: Int, location: Int, day: Int, origin: Int

        public init(category: Int, location: Int, day: Int, origin: Int) {
            (self.category, self.location, self.day, self.origin) = (category, location, day, origin)
        }

        /// One word hashed instead of four (the feature rows look an entry up per series and
        /// horizon: 5% of a run's client CPU went to hashing keys); equality still compares all four.
        public func hash(into hasher: inout Hasher) {
            hasher.combine(category &* 0x9E37_79B9 ^ location &* 0x85EB_CA6B ^ (day &<< 24) ^ (origin &<< 44))
        }

        public static func < (a: Key, b: Key) -> Bool {
            (a.category, a.location, a.day, a.origin) < (b.category, b.location, b.day, b.origin)
        }
    }

    public var table: [Key: Entry] = [:]

    public init() {}

    func entry(category: Int, location: Int, day: Int, originDay: Int) -> Entry? {
        table[Key(category: category, location: location, day: day, origin: originDay)]
    }

    /// `origins`: (origin index's closing day, first day of each target period) pairs to prepare.
    public static func build(_ series: [GlobalSeries], origins: Set<Int>, horizon: Int) -> CategoryPrices {
        var out = CategoryPrices()
        for s in series {
            guard let planned = s.planned, !planned.prices.isEmpty else { continue }
            for originDay in origins {
                let t = s.frequency.index(of: CivilDay(unixDay: originDay), from: CivilDay(unixDay: s.startDay))
                out.add(
                    planned, category: s.category, location: s.location, owner: s.id, originDay: originDay,
                    targetDays: (1...horizon).map { s.firstDay(ofPeriod: t + $0) })
            }
        }
        return out
    }

    /// A series' prices for the first days of the target periods of one origin, as known when the
    /// origin closed. Feeding every series of a scope in a fixed order gives what `build` gives.
    public mutating func add(
        _ planned: PlannedInputs, category: Int, location: Int, owner: Int, originDay: Int,
        targetDays: [Int]
    ) {
        let knownBy = PlannedInputs.endOfDay(originDay)
        for day in targetDays {
            guard let p = planned.price(on: day, knownBy: knownBy) else { continue }
            table[Key(category: category, location: location, day: day, origin: originDay), default: Entry()].add(p, owner: owner)
        }
    }

    /// Only the entries for one origin day (what a stored model needs at its prediction origin).
    func only(originDay: Int) -> CategoryPrices {
        var out = CategoryPrices()
        out.table = table.filter { $0.key.origin == originDay }
        return out
    }
}
