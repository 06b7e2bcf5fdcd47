import Foundation
import Testing

@testable import Forecasting

/// Periods as a type, the seasonal guard, and the log transform.
struct WeeklyModelingTests {
    @Test func isoWeeksStartOnMondayAndCutoffsEndOnSunday() throws {
        let monday = try #require(CivilDay(year: 2026, month: 11, day: 16))
        let sunday = try #require(CivilDay(year: 2026, month: 11, day: 22))
        let wednesday = try #require(CivilDay(year: 2026, month: 11, day: 18))
        #expect(monday.isoWeekday == 1 && sunday.isoWeekday == 7)
        #expect(Frequency.week.periodStart(wednesday) == monday)
        #expect(Frequency.week.periodEnd(wednesday) == sunday)
        #expect(Frequency.week.isPeriodEnd(sunday) && !Frequency.week.isPeriodEnd(wednesday))
        #expect(Frequency.day.isPeriodEnd(wednesday))
        #expect(Frequency.week.index(of: sunday, from: CivilDay(unixDay: monday.unixDay - 14)) == 2)
        #expect(Frequency.week.index(of: CivilDay(unixDay: monday.unixDay - 1), from: monday) == -1)
        #expect(Frequency.week.advance(wednesday, by: 2).description == "2026-11-30")
        #expect(Frequency.week.cutoffProblem(wednesday) == "weekly runs need a cutoff on a Sunday (the last day of an ISO week), got 2026-11-18")
        // ISO week numbers at year boundaries: 2026-12-31 (Thursday) is week 53; 2027-01-01 belongs to it too.
        #expect(try #require(CivilDay(year: 2026, month: 12, day: 31)).isoWeek == 53)
        #expect(try #require(CivilDay(year: 2027, month: 1, day: 1)).isoWeek == 53)
        #expect(try #require(CivilDay(year: 2027, month: 1, day: 4)).isoWeek == 1)
    }

    /// 100 weekly points with a strong 52-week pattern.
    static let yearly: [Double] = (0..<100).map { t in 100 + 60 * sin(2 * Double.pi * Double(t) / 52) + Double(t % 3) }

    @Test func aYearlySeasonOnTwoYearsOfWeeksNeverYieldsASeasonalETSForm() throws {
        #expect(!SeasonalityGuard.allowsSeasonalForm(seasonLength: 52, observations: 100))
        #expect(!SeasonalityGuard.allowsSeasonalForm(seasonLength: 52, observations: 1_000))  // longer than 24: never
        #expect(!SeasonalityGuard.allowsSeasonalForm(seasonLength: 12, observations: 29))  // 2 seasons + 6 periods needed
        #expect(SeasonalityGuard.allowsSeasonalForm(seasonLength: 12, observations: 30))
        let fit = try AutoETS(seasonLength: 52).fit(Self.yearly)
        #expect(fit.modelName.hasSuffix(",N)"), "\(fit.modelName)")
        let f = try fit.predict(horizon: 13, level: 0.8)
        #expect(f.mean.allSatisfy { $0.isFinite && $0 > 0 && $0 < 400 })
        // A short season the history supports is still found.
        let monthly = (0..<72).map { t in 50 + 20 * sin(2 * Double.pi * Double(t) / 12) }
        #expect(try AutoETS(seasonLength: 12).fit(monthly).modelName.hasSuffix(",A)") || AutoETS(seasonLength: 12).fit(monthly).modelName.hasSuffix(",M)"))
    }

    @Test func thetaDoesNotDecomposeASeasonTheGuardRefuses() throws {
        let fit = try #require(try AutoTheta(seasonLength: 52).fit(Self.yearly) as? AutoTheta.Fitted)
        #expect(fit.seasonal == nil)
    }

    @Test func log1pRoundTripAndPointForecasts() throws {
        let y: [Double] = [0, 3, 10, 0, 250.5]
        for (a, b) in zip(y, Log1pTransformed.forward(y).map(Log1pTransformed.backward)) { #expect(abs(a - b) <= 1e-9 * max(1, a)) }
        #expect(Log1pTransformed.forward([-4])[0] == 0)  // returns clip at zero
        // Multiplicative growth is linear on the log scale: Naive on logs gives back the last value exactly (the median).
        let series = (0..<30).map { 10 * pow(1.1, Double($0)) * (1 + 0.1 * sin(Double($0))) }
        let median = try Log1pTransformed(Naive()).forecast(series, horizon: 3, level: 0.8)
        #expect(abs(median.mean[0] - series.last!) < 1e-9)
        #expect(median.lower[0] <= median.mean[0] && median.mean[0] < median.upper[0])
        // The mean adds the lognormal correction: above the median, by more at longer horizons.
        let mean = try Log1pTransformed(Naive(), point: .mean).forecast(series, horizon: 3, level: 0.8)
        #expect(mean.mean[0] > median.mean[0] && mean.mean[2] - median.mean[2] > mean.mean[0] - median.mean[0])
        #expect(Log1pTransformed(try AutoETS(seasonLength: 1)).name == "AutoETS[log1p]")
        #expect(abs(normalQuantile(0.9) - 1.2815515655446004) < 1e-12)
    }
}
