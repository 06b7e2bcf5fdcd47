import Testing

@testable import Forecasting
@testable import GradientBoosting

/// A run's competing-price table built series by series (`CategoryPrices.OriginTable`) is the
/// table `CategoryPrices.add` builds from the same series: same entries, same sums, the same
/// lowest owner on ties, no entry for a day without a price.
struct CategoryPricesOriginTests {
    @Test func theOriginTableIsTheTableAddBuilds() {
        var state: UInt64 = 11
        func next(_ n: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int(state >> 33) % n
        }
        let origin = 20_099
        let targets = (1...7).map { origin + $0 }
        let knownBy = PlannedInputs.endOfDay(origin)
        var table = CategoryPrices.OriginTable(originDay: origin, targetDays: targets)
        var reference = CategoryPrices()
        for owner in 0..<400 {
            // Zero to three price rows around the horizon; some announced after the origin closed
            // (not known), some equal to others' (ties for the lowest).
            let rows = (0..<next(4)).map { _ in
                PlannedInputs.Price(
                    day: origin - 3 + next(12), price: Double(1 + next(5)) / 4,
                    knownAt: next(5) == 0 ? knownBy + 1 : knownBy - Int64(next(1_000)))
            }.sorted { ($0.day, $0.knownAt) < ($1.day, $1.knownAt) }
            let planned = PlannedInputs(promotions: [], prices: rows)
            let (category, location) = (next(3), next(4))
            table.add(planned, category: category, location: location, owner: owner)
            reference.add(planned, category: category, location: location, owner: owner, originDay: origin, targetDays: targets)
        }
        #expect(reference.table.count > 50)
        #expect(table.table == reference)
        #expect(reference.table.values.contains { $0.second == $0.lowest })
        var count = 0
        table.forEachEntry { _, entry in
            count += 1
            #expect(entry.count > 0)
        }
        #expect(count == reference.table.count)
    }
}
