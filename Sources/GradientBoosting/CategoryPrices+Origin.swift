import Forecasting

extension CategoryPrices {
    /// The entries of one origin over fixed target days, built series by series for a run's
    /// cutoff: one hash lookup per series (its category and location) instead of one per target
    /// day, and no table keyed by all four fields (at a million series, 28M lookups and a
    /// 280k-entry dictionary). `entries` are what `CategoryPrices.add` gives for the same series.
    public struct OriginTable: Sendable {
        public let originDay: Int
        public let targetDays: [Int]
        private struct Pair: Hashable { var category: Int, location: Int }
        private var pairs: [Pair: [Entry]] = [:]
        private let knownBy: Int64

        public init(originDay: Int, targetDays: [Int]) {
            (self.originDay, self.targetDays) = (originDay, targetDays)
            knownBy = PlannedInputs.endOfDay(originDay)
        }

        /// A series' prices on the target days, as known when the origin closed.
        public mutating func add(_ planned: PlannedInputs, category: Int, location: Int, owner: Int) {
            let prices = targetDays.map { planned.price(on: $0, knownBy: knownBy) }
            guard prices.contains(where: { $0 != nil }) else { return }
            let empty = [Entry](repeating: Entry(), count: targetDays.count)
            Self.add(prices, owner: owner, to: &pairs[Pair(category: category, location: location), default: empty])
        }

        private static func add(_ prices: [Double?], owner: Int, to entries: inout [Entry]) {
            for (i, price) in prices.enumerated() {
                if let price { entries[i].add(price, owner: owner) }
            }
        }

        /// Calls `body` with every entry that has a price, keyed as in `CategoryPrices.table`.
        public func forEachEntry(_ body: (Key, Entry) throws -> Void) rethrows {
            for (pair, entries) in pairs {
                for (day, entry) in zip(targetDays, entries) where entry.count > 0 {
                    try body(Key(category: pair.category, location: pair.location, day: day, origin: originDay), entry)
                }
            }
        }

        /// The same entries as a table.
        public var table: CategoryPrices {
            var out = CategoryPrices()
            forEachEntry { out.table[$0] = $1 }
            return out
        }
    }
}
