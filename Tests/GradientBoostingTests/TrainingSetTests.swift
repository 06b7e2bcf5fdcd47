import Foundation
import Testing

@testable import Forecasting
@testable import GradientBoosting

/// One set of training rows fitted by several objectives in turn (as the backtest and the run
/// path do) gives exactly the models each objective gets from rows of its own.
struct TrainingSetTests {
    @Test func sharedRowsFitEveryObjectiveAsFreshRowsDo() throws {
        let series = GlobalModelTests.catalogue()
        func model(_ objective: BoostingObjective) -> GlobalBoostedModel {
            var m = GlobalBoostedModel(horizon: 7, objective: objective)
            m.rounds = 40
            return m
        }
        let shared = try model(.tweedie).prepare(series, cutoffIndex: { _ in 185 }, calendar: GlobalModelTests.calendar)
        #expect(shared.rows == 40 * 6 * 7 && shared.origins == 6)
        for objective in [BoostingObjective.absoluteError, .logLevel, .tweedie] {
            let fromShared = try model(objective).train(shared)
            let fresh = try model(objective).train(series, cutoffIndex: { _ in 185 }, calendar: GlobalModelTests.calendar)
            #expect(try fromShared.serialized() == fresh.serialized(), "\(objective)")
            #expect(fromShared.trainingRows == fresh.trainingRows)
            let a = try fromShared.forecast(series[3], origin: 185, level: 0.8)
            let b = try fresh.forecast(series[3], origin: 185, level: 0.8)
            #expect(a.mean == b.mean && a.lower == b.lower && a.upper == b.upper)
        }
        // Labels per objective: scaled units, or log(1 + y) relative to the origin's log level.
        let tweedie = shared.labels(.tweedie), log = shared.labels(.logLevel)
        #expect(tweedie.count == shared.rows && log.count == shared.rows)
        #expect(abs(Double(tweedie[0]) - shared.store.targets[shared.selection[0]] / shared.store.scales[shared.selection[0]]) < 1e-6)
        #expect(abs(Double(log[0]) - (log1p(shared.store.targets[shared.selection[0]]) - shared.store.logLevels[shared.selection[0]])) < 1e-6)
    }
}

extension TrainingSetTests {
    /// A backtest's folds share one row store: each fold's slice (attributes as valid at its own
    /// cutoff) trains exactly the model that fold's own rows train.
    @Test func foldsSharingRowsTrainAsFoldsOfTheirOwn() throws {
        var model = GlobalBoostedModel(horizon: 7)
        model.rounds = 30
        let series = GlobalModelTests.catalogue()
        func withAttribute(_ v: Float) -> [GlobalSeries] {
            series.map { s in
                var s = s
                s.attributes = [v + Float(s.id % 4)]
                return s
            }
        }
        let folds = [withAttribute(1), withAttribute(10)]
        let cutoffs: [[Int?]] = [series.map { $0.id == 0 ? nil : 171 }, series.map { _ in 185 }]
        let shared = try model.prepare(
            folds: folds, cutoffIndices: cutoffs, calendar: GlobalModelTests.calendar,
            predictionOrigins: [], attributes: ["size"])
        #expect(shared.count == 2 && shared[0].store === shared[1].store)
        for f in 0..<2 {
            let own = try model.prepare(
                folds[f], cutoffIndex: { cutoffs[f][$0.id] }, calendar: GlobalModelTests.calendar,
                attributes: ["size"])
            #expect(shared[f].rows == own.rows && shared[f].labels(.tweedie) == own.labels(.tweedie))
            #expect(try model.train(shared[f]).serialized() == model.train(own).serialized(), "fold \(f)")
        }
        #expect(shared[0].rows == 39 * 6 * 7)
    }
}

/// How many training origins a scope gets: the row budget for small panels, the row cap for large ones.
struct FeatureWindowsTests {
    @Test func smallPanelsLearnMoreOriginsAndLargeOnesStayUnderTheCap() {
        let day = FeatureWindows(.day), week = FeatureWindows(.week)
        func plan(_ w: FeatureWindows, _ series: Int, _ horizon: Int) -> [Int] {
            let p = w.plan(series: series, horizon: horizon, columns: 40)
            return [p.recent, p.seasonal, p.extraSeasonal]
        }
        // Daily: 6 recent origins and 5 a year back while they fit (10k series x 11 x 28 = 3.1M rows).
        #expect(plan(day, 40, 28) == [6, 5, 0])
        #expect(plan(day, 10_000, 28) == [6, 5, 0])
        // Past the cap (4M rows / 28 steps = 142,857 series-origins), shared 6 to 5, at least one recent:
        // 20k series: 3 recent (60k), 4 a year back (80k) and one more for 2,857 of them.
        #expect(plan(day, 20_000, 28) == [3, 4, 2_857])
        #expect(plan(day, 30_000, 28) == [2, 2, 22_857])
        // 100k: one recent origin each, and one a year back for 42,857 of them (before: none).
        #expect(plan(day, 100_000, 28) == [1, 0, 42_857])
        // A million: one origin each would be 28M rows, so 142,857 series learn (spread evenly).
        #expect(plan(day, 1_000_000, 28) == [1, 0, 0])
        #expect(day.plan(series: 1_000_000, horizon: 28, columns: 40).sampledSeries == 142_857)
        #expect(day.plan(series: 100_000, horizon: 28, columns: 40).sampledSeries == nil)
        // Weekly: a short panel learns from its whole history (the weeks a year back are among
        // them), a larger one from 26 recent weeks and 5 a year back, capped alike (26 to 5).
        // Weekly: every origin of five years while the rows fit 16 MiB (83,886 rows of 40 columns),
        // at least 26; past the budget, spread over the history (`budgeted`).
        #expect(plan(week, 10, 3) == [260, 5, 0])
        #expect(week.plan(series: 10, horizon: 3, columns: 40).budgeted == nil)
        #expect(week.plan(series: 1_000, horizon: 3, columns: 40).budgeted == 27)
        #expect(plan(week, 1_000, 3) == [27, 5, 0])
        #expect(plan(week, 1_000, 13) == [26, 5, 0])
        #expect(plan(week, 100_000, 3) == [11, 2, 33_333])
        for (w, series, horizon) in [
            (day, 20_000, 28), (day, 30_000, 28), (day, 100_000, 28), (day, 123_457, 28), (week, 100_000, 3), (day, 1_000_000, 28), (week, 3_000_000, 3),
        ] {
            #expect(w.plan(series: series, horizon: horizon, columns: 40).seriesOrigins(series: series) * horizon <= FeatureWindows.rowCap)
        }
    }

    /// The extra origins a year back go to an evenly spread share of the series, chosen by each
    /// series' position in the full list: a backtest's folds, whose scopes differ by a few series
    /// not started yet, give them to the same series.
    @Test func extraOriginsAYearBackAreSpreadEvenlyAndStableAcrossFolds() {
        let plan = OriginPlan(recent: 1, seasonal: 0, extraSeasonal: 300)
        let all = plan.extraSeries(inScope: Array(0..<1_000))
        #expect(all.count == 300)
        // Evenly spread: every tenth of the list holds 30 of them, give or take a few.
        for tenth in 0..<10 {
            let n = all.filter { $0 / 100 == tenth }.count
            #expect(abs(n - 30) <= 3, "tenth \(tenth): \(n)")
        }
        // A fold where 20 of the series have not started: as many chosen, nearly all the same ones.
        let later = Set(0..<1_000).subtracting(stride(from: 7, to: 1_000, by: 50))
        let fold = plan.extraSeries(inScope: later.sorted())
        #expect(fold.count == 300 && fold.isSubset(of: later))
        #expect(fold.intersection(all).count >= 290, "\(fold.intersection(all).count) in common")
        #expect(OriginPlan(recent: 6, seasonal: 5, extraSeasonal: 0).extraSeries(inScope: Array(0..<10)).isEmpty)
    }

    /// Past the row cap at one origin per series (issue 32: a million daily series would be 28M
    /// rows, 6 GB), a sample of the series learns: as many as the cap holds, spread evenly, the
    /// same at every training; the rows stay under the cap and the lineage says how they were chosen.
    @Test func pastTheCapASampleOfTheSeriesLearnsAndTheLineageSaysSo() throws {
        let sample = try #require(OriginPlan(recent: 1, seasonal: 0, extraSeasonal: 0, sampledSeries: 250).seriesSample(inScope: Array(0..<1_000)))
        #expect(sample.count == 250)
        for quarter in 0..<4 { #expect(abs(sample.filter { $0 / 250 == quarter }.count - 62) <= 3) }
        #expect(OriginPlan(recent: 1, seasonal: 0, extraSeasonal: 0, sampledSeries: 250).seriesSample(inScope: Array(0..<200)) == nil)

        // 40 series at horizon 7 with room for 10 series-origins: 10 series learn, one origin each.
        var model = GlobalBoostedModel(horizon: 7)
        model.rounds = 20
        model.rowCap = 70
        let series = GlobalModelTests.catalogue()
        let set = try model.prepare(series, cutoffIndex: { _ in 185 }, calendar: GlobalModelTests.calendar)
        #expect(set.rows <= 70 && set.rows >= 63, "\(set.rows)")
        #expect(set.originCounts.series == 10 && set.originCounts.scopeSeries == 40 && set.originCounts.rowCap == 70)
        #expect(set.originCounts.summary.contains("a sample: 10 of the 40 series in scope"), "\(set.originCounts.summary)")
        let again = try model.prepare(series, cutoffIndex: { _ in 185 }, calendar: GlobalModelTests.calendar)
        #expect(try model.train(set).serialized() == model.train(again).serialized())
        // Every series is still forecast, those outside the sample too.
        let trained = try model.train(set)
        for s in series { #expect(try trained.forecast(s, origin: 185, level: 0.8).mean.allSatisfy(\.isFinite)) }
        // Stored with the model and read back.
        let decoded = try JSONDecoder().decode(OriginCounts.self, from: JSONEncoder().encode(set.originCounts))
        #expect(decoded == set.originCounts)
    }
}

/// Daily series also learn from origins a year back, so a once-a-year event is in the training rows.
struct SeasonalOriginsTests {
    static let start = 20_000
    /// 40 daily series of 500 days with a weekly pattern; a yearly event ("gala", days 100 and 464,
    /// 52 weeks apart) triples demand.
    static func catalogue() -> (series: [GlobalSeries], calendar: CalendarFacts) {
        var state: UInt64 = 9
        func u() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) * 0x1.0p-53
        }
        let week = [0.7, 0.8, 0.9, 1.0, 1.2, 1.6, 0.8]
        let series = (0..<40).map { k in
            let level = 5 + Double(k % 10) * 3
            let values = (0..<500).map { t in (level * week[t % 7] * (t == 100 || t == 464 ? 3 : 1) * (0.8 + 0.4 * u())).rounded() }
            return GlobalSeries(id: k, values: values, censored: [Bool](repeating: false, count: 500), startDay: start, category: k % 3, region: k % 2)
        }
        return (series, CalendarFacts(rows: [(day: start + 100, holiday: false, event: "gala"), (day: start + 464, holiday: false, event: "gala")]))
    }

    @Test func dailyOriginsAYearBackEndBeforeTheCutoff() throws {
        let model = GlobalBoostedModel(horizon: 28)
        let cutoff = 440
        // Six recent weekly origins whose labels end at the cutoff, then the origin 364 days back
        // (its targets are last year's days of the window being forecast) and one a week after it
        // up to the 28 days the version serves (last year's windows of every night it serves).
        let six = OriginPlan(recent: 6, seasonal: 5, extraSeasonal: 0)
        #expect(model.originSets(cutoff: cutoff, plan: six, seasonal: 5) == ([412, 405, 398, 391, 384, 377], [76, 83, 90, 97, 104], 1))
        // A year back only with a full long window (28 days) of history behind the origin.
        #expect(model.originSets(cutoff: 390, plan: six, seasonal: 5) == ([362, 355, 348, 341, 334, 327], [33, 40, 47, 54], 1))
        #expect(FeatureWindows(.day).plan(series: 40, horizon: 28, columns: 40) == six)
        // Their targets reach last year's day of the last night served (the cutoff + 28 + 28), none after the cutoff.
        #expect(104 + 28 == cutoff + 28 + 28 - 364)
        // Weekly: 52 weeks back and the 4 after, unless the recent origins reach that far already.
        let weekly = GlobalBoostedModel(horizon: 3, frequency: .week)
        #expect(weekly.originSets(cutoff: 119, plan: OriginPlan(recent: 26, seasonal: 5, extraSeasonal: 0), seasonal: 5).yearBack == [67, 68, 69, 70, 71])
        #expect(weekly.originSets(cutoff: 119, plan: OriginPlan(recent: 260, seasonal: 5, extraSeasonal: 0, budgeted: 260), seasonal: 5).yearBack.isEmpty)
        let (series, calendar) = Self.catalogue()
        let set = try model.prepare(series, cutoffIndex: { _ in cutoff }, calendar: calendar)
        #expect(set.origins == 11 && set.rows == 40 * 11 * 28)
        #expect(set.originCounts.summary == "40 series: 6 recent origins each, 200 a year back from 40 of them")
        // No label after the cutoff (the row's origin + its step).
        for (i, ranges) in set.store.index.enumerated() {
            for (t, range) in ranges { for r in range { #expect(t + set.store.steps[r] + 1 <= cutoff, "series \(i) origin \(t)") } }
        }
    }

    /// The event in the forecast window (day 464, 24 days after the cutoff) is forecast as the
    /// surge it was last year; six recent origins alone never saw it.
    @Test func aYearlyEventIsLearnedFromLastYear() throws {
        let (series, calendar) = Self.catalogue()
        var yearly = GlobalBoostedModel(horizon: 28)
        yearly.rounds = 80
        var recentOnly = yearly
        recentOnly.origins = 6
        // `trainedAt`: the cutoff it learned up to; it forecasts from 440 (a version serves the nights after its cutoff).
        func lift(_ model: GlobalBoostedModel, trainedAt: Int = 440) throws -> Double {
            let trained = try model.train(series, cutoffIndex: { _ in trainedAt }, calendar: calendar)
            var event = 0.0, sameWeekday = 0.0
            for s in series {
                let f = try trained.forecast(s, origin: 440, level: 0.8)
                event += f.mean[23]  // day 464
                sameWeekday += (f.mean[16] + f.mean[9]) / 2  // days 457 and 450, the same weekday
            }
            return event / sameWeekday
        }
        // A long fit says how far it got (here after every round; by default every 10 s).
        var lines: [String] = []
        _ = try yearly.train(try yearly.prepare(series, cutoffIndex: { _ in 440 }, calendar: calendar), progress: { lines.append($0) }, every: 0)
        #expect(lines.count == 79 && lines.first?.hasPrefix("round 1/80, ") == true && lines.last?.hasPrefix("round 79/80, ") == true, "\(lines.prefix(2))")
        let learned = try lift(yearly), unseen = try lift(recentOnly)
        #expect(learned > 2 && unseen < 1.3, "lift with origins a year back \(learned), recent origins only \(unseen)")
        // Trained 20 days before the night it serves (the event 44 days after its own cutoff): its
        // origins a year back reach last year's window of that night too (they used to end at the
        // training cutoff's window, and such trees missed the event).
        let older = try lift(yearly, trainedAt: 420)
        #expect(older > 2, "lift of trees 20 days old \(older)")
        // At a row cap that leaves room for one recent origin per series and a year-back one for
        // 16 of the 40 (as 100k daily series at the real cap), the event is still learned.
        var capped = yearly
        capped.rowCap = 40 * 28 + 16 * 28
        let set = try capped.prepare(series, cutoffIndex: { _ in 440 }, calendar: calendar)
        #expect(set.rows == 56 * 28 && set.rows <= capped.rowCap)
        #expect(set.originCounts.summary == "40 series: 1 recent origin each, 16 a year back from 16 of them")
        // The counts travel with the stored model (its lineage in the model card).
        let stored = try capped.train(set).encodings(level: 0.8, categories: [], regions: [], locations: [], predictionOrigin: 0)
        let restored = try JSONDecoder().decode(GlobalBoostedModel.Encodings.self, from: try JSONEncoder().encode(stored))
        #expect(restored.originCounts == set.originCounts)
        let cappedLift = try lift(capped)
        #expect(cappedLift > 2, "lift at the cap \(cappedLift)")
    }
}

/// Issue 28, item 2: training history sized by a memory budget in bytes, from the feature width.
struct TrainingBudgetTests {
    /// 20 weekly series of 120 weeks, cutoff at the last one: 113 origins each at horizon 3.
    static func panel() -> [GlobalSeries] {
        (0..<20).map { k in
            GlobalSeries(
                id: k, values: (0..<120).map { t in Double(10 + k + (t * 7 + k) % 11) }, censored: [Bool](repeating: false, count: 120),
                startDay: 20_002, category: 0, region: 0, frequency: .week)
        }
    }

    @Test func aPanelWithinTheBudgetLearnsFromEveryOriginAndOneJustPastItSamples() throws {
        var model = GlobalBoostedModel(horizon: 3, frequency: .week)
        let series = Self.panel()
        let columns = FeatureBuilder(calendar: CalendarFacts(days: [:]), frequency: .week).columnCount
        let rowBytes = FeatureWindows.bytesPerRow(columns: columns)
        #expect(rowBytes == 4 * 36 + 40)
        // Every origin: 113 per series x 20 series x 3 steps, exactly the budget.
        model.trainingBytes = 113 * 20 * 3 * rowBytes
        let all = try model.prepare(series, cutoffIndex: { _ in 119 }, calendar: CalendarFacts(days: [:]))
        #expect(all.rows == 113 * 20 * 3)
        #expect(all.originCounts.recent == 113 * 20 && all.originCounts.sampledSeries == 0)
        #expect(
            all.originCounts.summary
                == "20 series: 113 recent origins each, none a year back (every origin of their history: the 1.2 MiB training budget holds 6780 rows)")
        // One byte short: 112 origins fit, spread over the whole history (newest and oldest kept).
        model.trainingBytes -= 1
        let sampled = try model.prepare(series, cutoffIndex: { _ in 119 }, calendar: CalendarFacts(days: [:]))
        #expect(
            sampled.originCounts.recent == 112 * 20 && sampled.originCounts.sampledSeries == 20 && sampled.originCounts.widestStride == 2,
            "\(sampled.originCounts)")
        let positions = OriginPlan(recent: 112, seasonal: 4, extraSeasonal: 0, budgeted: 112).recentPositions(available: 113)
        #expect(positions.first == 0 && positions.last == 112 && Set(positions).count == 112)
        // A tenth of the budget: 11 origins each, every tenth week or so, from the newest back to the start.
        model.trainingBytes = 113 * 20 * 3 * rowBytes / 10
        let tenth = try model.prepare(series, cutoffIndex: { _ in 119 }, calendar: CalendarFacts(days: [:]))
        #expect(tenth.originCounts.recent == 26 * 20, "at least the 26 recent origins weekly series always get")
        let spread = OriginPlan(recent: 26, seasonal: 0, extraSeasonal: 0, budgeted: 26).recentPositions(available: 113)
        #expect(spread.count == 26 && spread.first == 0 && spread.last == 112 && zip(spread, spread.dropFirst()).allSatisfy { [4, 5].contains($1 - $0) })
        // Without a budget (daily series: six weekly origins), the newest in a row.
        #expect(OriginPlan(recent: 6, seasonal: 4, extraSeasonal: 0).recentPositions(available: 100) == [0, 1, 2, 3, 4, 5])
    }
}
