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
            series.map { s in var s = s; s.attributes = [v + Float(s.id % 4)]; return s }
        }
        let folds = [withAttribute(1), withAttribute(10)]
        let cutoffs: [[Int?]] = [series.map { $0.id == 0 ? nil : 171 }, series.map { _ in 185 }]
        let shared = try model.prepare(folds: folds, cutoffIndices: cutoffs, calendar: GlobalModelTests.calendar,
                                       predictionOrigins: [], attributes: ["size"])
        #expect(shared.count == 2 && shared[0].store === shared[1].store)
        for f in 0..<2 {
            let own = try model.prepare(folds[f], cutoffIndex: { cutoffs[f][$0.id] }, calendar: GlobalModelTests.calendar,
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
        // Daily: 6 origins from a handful of series up to the cap (4M rows / 28 steps = 142,857 series-origins).
        #expect(day.origins(series: 40, horizon: 28) == 6)
        #expect(day.origins(series: 10_000, horizon: 28) == 6)
        #expect(day.origins(series: 30_000, horizon: 28) == 4)
        #expect(day.origins(series: 100_000, horizon: 28) == 1)
        #expect(day.origins(series: 1_000_000, horizon: 28) == 1)
        // Weekly: a short panel learns from its whole history, a large one from the minimum, capped alike.
        #expect(week.origins(series: 10, horizon: 3) == 260)
        #expect(week.origins(series: 1_000, horizon: 3) == 26)
        #expect(week.origins(series: 100_000, horizon: 3) == 13)
        for (w, series, horizon) in [(day, 30_000, 28), (day, 100_000, 28), (week, 100_000, 3)] {
            #expect(w.origins(series: series, horizon: horizon) * series * horizon <= FeatureWindows.rowCap)
        }
    }
}
