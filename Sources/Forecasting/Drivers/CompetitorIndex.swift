import Foundation

/// The competing items' price index of one category at one location (SCAN*PRO's cross-price
/// effect, Wittink et al. 1988), for the price regression: per period, the mean over the items
/// of the group of log(price / regular price), each as known when the origin closed; a series
/// reads the mean over the others (`excluding`). A competitor's deal shows as a negative value,
/// and a substitute's demand falls with it.
///
/// Built once per group and origin (every series of a group shares its days and what is known),
/// so a series costs one lookup per period, not one per competitor. The same members and rule
/// in backtests (the backtest's series of that category and location) and runs (the run's
/// series of that category and location, read for a work item's groups): `CompetitorPrices` in
/// the pipeline.
public struct CompetitorIndex: Sendable {
    public let knownBy: Int64
    /// Day (unix) -> sum of the members' log ratios and how many members had a known price.
    var byDay: [Int: (sum: Double, count: Int)] = [:]
    let stepDays: Int, window: Int

    /// `days`: the first days of the periods to cover (those of every member's history and targets);
    /// `window`: periods over which the regular price is the highest (the regression's `regularWindow`).
    public init(members: [PlannedInputs], firstDay: Int, lastDay: Int, stepDays: Int, window: Int, knownBy: Int64) {
        self.knownBy = knownBy
        self.stepDays = stepDays
        self.window = window
        let days = Array(stride(from: firstDay, through: lastDay, by: max(1, stepDays)))
        var sums = [Double](repeating: 0, count: days.count), counts = [Int](repeating: 0, count: days.count)
        // Each member's prices on the grid once (one lookup per day), its regular price from them.
        for m in members {
            let prices = days.map { Self.valid(m.price(on: $0, knownBy: knownBy)) }
            for (i, price) in prices.enumerated() {
                guard let price else { continue }
                var regular = price
                for k in 1..<max(1, window) where i - k >= 0 { if let p = prices[i - k] { regular = max(regular, p) } }
                sums[i] += Self.logRatio(price, regular)
                counts[i] += 1
            }
        }
        for (i, day) in days.enumerated() where counts[i] > 0 { byDay[day] = (sums[i], counts[i]) }
        self.firstDay = firstDay
    }

    /// The first day of the grid: `ratio` looks no further back, as the members' ratios did not.
    let firstDay: Int

    /// log(price / regular) of one member on `day`: the highest price in force on the first days
    /// of the `window` periods ending there (nil: no positive, finite price known on `day`).
    func ratio(_ planned: PlannedInputs, day: Int) -> Double? {
        guard let price = Self.valid(planned.price(on: day, knownBy: knownBy)) else { return nil }
        var regular = price
        for k in 1..<max(1, window) where day - k * stepDays >= firstDay {
            if let p = Self.valid(planned.price(on: day - k * stepDays, knownBy: knownBy)) { regular = max(regular, p) }
        }
        return Self.logRatio(price, regular)
    }

    static func valid(_ price: Double?) -> Double? { price.flatMap { $0 > 0 && $0.isFinite ? $0 : nil } }

    /// log(price / regular) of two positive, finite prices, finite however far apart they are: a
    /// subnormal price (5e-324 passes "positive and finite") made the quotient 0 and the log -inf,
    /// which turned a whole group's index and the regressions reading it into NaN. The quotient's
    /// log as before wherever it is finite (the same bits), the difference of logs where it is not.
    static func logRatio(_ price: Double, _ regular: Double) -> Double {
        let r = Foundation.log(price / regular)
        return r.isFinite ? r : Foundation.log(price) - Foundation.log(regular)
    }

    /// The mean log ratio of the members other than `own` (a member of the group, or nil) on `day`;
    /// nil when no other member has a known price then.
    public func excluding(_ own: PlannedInputs?, day: Int) -> Double? {
        guard let entry = byDay[day] else { return nil }
        let mine = own.flatMap { ratio($0, day: day) }
        let count = entry.count - (mine == nil ? 0 : 1)
        return count > 0 ? (entry.sum - (mine ?? 0)) / Double(count) : nil
    }
}

extension CompetitorIndex {
    /// The index of one group's `members` (in a fixed order: the sums, and so the bits, follow
    /// it) for origins closing on `cutoffDay`, over every period from the group's first price
    /// (on the frequency's grid: ISO weeks start on Mondays) to the last of `horizon` target
    /// periods. Nil with fewer than two members with prices: no one to compete with.
    /// Depends only on the members' price rows and the cutoff, so a backtest and a run that see
    /// the same group build the same index.
    public static func build(members: [PlannedInputs], cutoffDay: Int, horizon: Int, frequency: Frequency) -> CompetitorIndex? {
        let priced = members.filter { !$0.prices.isEmpty }
        guard priced.count > 1, let earliest = priced.map({ $0.prices[0].day }).min() else { return nil }
        let step = frequency == .day ? 1 : 7
        // Unix day 0 was a Thursday: Mondays are the days d with (d + 3) mod 7 == 0.
        let first = step == 7 ? earliest - ((earliest + 3) % 7 + 7) % 7 : earliest
        return CompetitorIndex(
            members: priced, firstDay: first, lastDay: cutoffDay + horizon * step, stepDays: step,
            window: PriceRegression(horizon: 1, frequency: frequency).regularWindow,
            knownBy: PlannedInputs.endOfDay(cutoffDay))
    }
}
