import Foundation
import Testing

@testable import Forecasting

/// The price regression's cross-price term (`CompetitorIndex`, issue 28 item 5): the other items'
/// deals at the location, kept per series only where they help; and what was not known at the
/// origin never reaches it.
struct CompetitorIndexTests {
    static let monday = PriceRegressionTests.monday
    static let n = 80

    /// A competitor's weekly prices: a 30% deal every fifth week (offset `phase`), otherwise 2.0.
    static func competitor(phase: Int, knownAt: (Int) -> Int64 = { _ in 0 }) -> PlannedInputs {
        PlannedInputs(
            promotions: [],
            prices: (0..<(n + 3)).map {
                PlannedInputs.Price(day: monday + 7 * $0, price: $0 % 5 == phase ? 1.4 : 2.0, knownAt: knownAt($0))
            })
    }

    /// Own prices: a 10% deal every seventh week; demand falls by a third when the competitor deals.
    static func own(_ values: [Double]) -> GlobalSeries {
        let prices = (0..<(n + 3)).map { $0 % 7 == 2 ? 1.8 : 2.0 }
        return PriceRegressionTests.series(values, prices: prices, display: [Double](repeating: 0, count: n + 3))
    }

    static func demand(crossEffect: Bool) -> [Double] {
        (0..<(n + 3)).map { t in
            let ownDeal = t % 7 == 2 ? 1.4 : 1.0
            let rival = crossEffect && t % 5 == 1 ? 0.65 : 1.0
            return 200 * ownDeal * rival * (1 + 0.04 * Double((t * 37) % 5 - 2))
        }
    }

    static func index(_ members: [PlannedInputs], origin: Int) -> CompetitorIndex {
        CompetitorIndex.build(members: members, cutoffDay: monday + 7 * origin + 6, horizon: 3, frequency: .week)!
    }

    @Test func theIndexIsTheMeanOfTheOtherItemsRatios() throws {
        let a = Self.competitor(phase: 1), b = Self.competitor(phase: 3), own = Self.own(Self.demand(crossEffect: false))
        let index = Self.index([own.planned!, a, b], origin: 60)
        let day = Self.monday + 7 * 61  // week 61: a deals (61 % 5 == 1), b does not, own does not
        #expect(abs(index.excluding(own.planned, day: day)! - Foundation.log(0.7) / 2) < 1e-12)
        #expect(abs(index.excluding(nil, day: day)! - Foundation.log(0.7) / 3) < 1e-12)
        // The grid starts on the Monday of the earliest price; one member alone is no group.
        #expect(index.firstDay == Self.monday)
        #expect(CompetitorIndex.build(members: [a], cutoffDay: Self.monday + 6, horizon: 3, frequency: .week) == nil)
    }

    /// Prices that are not a positive, finite number (NaN, infinities, zero, negative: what a
    /// hand-written row or a broken feed can hold, past a backtest's warnings) are unknown prices:
    /// the index stays finite and is the mean over the members with a usable price that day.
    @Test func pricesThatAreNotPositiveNumbersAreUnknown() throws {
        let a = Self.competitor(phase: 1)
        let bad: [Double] = [.nan, .infinity, -.infinity, 0, -2, .leastNonzeroMagnitude, .greatestFiniteMagnitude]
        // b's price is hostile on weeks 61...67, one kind each; 2.0 otherwise.
        let b = PlannedInputs(
            promotions: [],
            prices: (0..<(Self.n + 3)).map { t in
                PlannedInputs.Price(day: Self.monday + 7 * t, price: (61...67).contains(t) ? bad[t - 61] : 2.0, knownAt: 0)
            })
        let index = Self.index([a, b], origin: 70)
        for t in 40..<73 {
            let day = Self.monday + 7 * t
            let value = try #require(index.excluding(nil, day: day), "week \(t)")
            #expect(value.isFinite && value <= 0, "week \(t): \(value)")
            if (61...65).contains(t) {
                // Only a's own ratio counts: b's price is unusable that week.
                #expect(value == index.ratio(a, day: day)!, "week \(t)")
                #expect(index.excluding(a, day: day) == nil, "week \(t)")
            }
        }
        // A subnormal price of the series' own is a ratio far below zero, not -inf: the regression
        // still forecasts numbers, with the hostile competitor's index beside it.
        let prices = (0..<(Self.n + 3)).map { $0 == 70 ? Double.leastNonzeroMagnitude : ($0 % 7 == 2 ? 1.8 : 2.0) }
        let own = PriceRegressionTests.series(
            Self.demand(crossEffect: false), prices: prices,
            display: [Double](repeating: 0, count: Self.n + 3))
        let forecast = try PriceRegression(horizon: 3, frequency: .week)
            .forecast(own, origin: Self.n - 1, level: 0.8, competitors: Self.index([own.planned!, a, b], origin: Self.n - 1))
        #expect(forecast.mean.allSatisfy(\.isFinite) && forecast.lower.allSatisfy(\.isFinite) && forecast.upper.allSatisfy(\.isFinite))
    }

    /// Where a rival's deal takes a third of the demand, the term is kept and the week the rival
    /// deals is forecast lower; where it does not, the term is dropped and the forecast is the one
    /// without competitors, bit for bit.
    @Test func theTermIsKeptOnlyWhereItHelps() throws {
        let origin = Self.n - 1
        let model = PriceRegression(horizon: 3, frequency: .week)
        let rival = Self.competitor(phase: 1)
        let hit = Self.own(Self.demand(crossEffect: true))
        let with = try model.forecast(hit, origin: origin, level: 0.8, competitors: Self.index([hit.planned!, rival], origin: origin))
        let without = try model.forecast(hit, origin: origin, level: 0.8)
        // Target weeks 80, 81, 82: the rival deals in week 81 (81 % 5 == 1).
        let truth = Self.demand(crossEffect: true)
        #expect(with.mean[1] < 0.8 * with.mean[0], "\(with.mean)")
        #expect(abs(with.mean[1] / truth[81] - 1) < abs(without.mean[1] / truth[81] - 1))
        let fit = try model.fit(hit, origin: origin, competitors: Self.index([hit.planned!, rival], origin: origin))
        #expect(fit.design.competitors != nil && fit.beta[fit.design.competitors!] > 0.3, "\(fit.beta)")

        let untouched = Self.own(Self.demand(crossEffect: false))
        let idle = try model.forecast(untouched, origin: origin, level: 0.8, competitors: Self.index([untouched.planned!, rival], origin: origin))
        #expect(idle == (try model.forecast(untouched, origin: origin, level: 0.8)))
    }

    /// Leakage: a rival's deal announced after the origin closed changes nothing; an index built
    /// for another origin is not used.
    @Test func onlyWhatWasKnownAtTheOriginReachesTheTerm() throws {
        let origin = Self.n - 1
        let originEnd = PlannedInputs.endOfDay(Self.monday + 7 * origin + 6)
        let model = PriceRegression(horizon: 3, frequency: .week)
        let hit = Self.own(Self.demand(crossEffect: true))
        let base = try model.forecast(hit, origin: origin, level: 0.8, competitors: Self.index([hit.planned!, Self.competitor(phase: 1)], origin: origin))
        // The same rival, its target-week deal (week 81) announced only after the origin: the
        // price in force for that week as known then is the regular one.
        let late = PlannedInputs(
            promotions: [],
            prices: Self.competitor(phase: 1).prices.map {
                $0.day > Self.monday + 7 * origin ? PlannedInputs.Price(day: $0.day, price: 2.0, knownAt: 0) : $0
            } + [PlannedInputs.Price(day: Self.monday + 7 * 81, price: 1.4, knownAt: originEnd + 1)])
        let regular = PlannedInputs(
            promotions: [],
            prices: Self.competitor(phase: 1).prices.map {
                $0.day > Self.monday + 7 * origin ? PlannedInputs.Price(day: $0.day, price: 2.0, knownAt: 0) : $0
            })
        let unknown = try model.forecast(hit, origin: origin, level: 0.8, competitors: Self.index([hit.planned!, late], origin: origin))
        #expect(unknown == (try model.forecast(hit, origin: origin, level: 0.8, competitors: Self.index([hit.planned!, regular], origin: origin))))
        #expect(unknown.mean[1] > base.mean[1])
        // Built for the origin before: ignored (the regression reads only what its own origin knew).
        let stale = Self.index([hit.planned!, Self.competitor(phase: 1)], origin: origin - 1)
        #expect(try model.forecast(hit, origin: origin, level: 0.8, competitors: stale) == (try model.forecast(hit, origin: origin, level: 0.8)))
    }
}
