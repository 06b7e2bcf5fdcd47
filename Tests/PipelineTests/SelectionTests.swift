import Testing

@testable import Forecasting
@testable import Pipeline

/// The nested, out-of-sample selection over backtest accumulators: no database, only the report's
/// arithmetic.
struct SelectionTests {
    /// A spy model that is best only on the last fold is not chosen for it: the choice for fold k
    /// uses folds 0..<k only.
    @Test func selectionIsOutOfSample() {
        var report = BacktestReport()
        report.models = ["Steady", "Spy"]
        report.baseline = "Steady"
        func acc(_ error: Double) -> ErrorAccumulator {
            var a = ErrorAccumulator()
            a.add(actual: [10, 10], forecast: [10 + error, 10 - error], lower: [0, 0], upper: [20, 20], level: 0.8, maeScale: 1, mseScale: 1)
            return a
        }
        for fold in 0..<3 {
            for (model, error): (ModelName, Double) in [("Steady", 2.0), ("Spy", fold == 2 ? 0.0 : 5.0)] {
                let a = acc(error)
                for (kind, value): (BacktestReport.Group, String) in [(.fold, "\(fold)"), (.foldClass, "\(fold)|fast"), (.cell, "\(fold)|fast|c|r")] {
                    report.groups[BacktestReport.Key(model: model, kind: kind, value: value)] = a
                }
            }
        }
        let choices = report.nestedSelection({ $0.wape }, candidates: report.models, folds: 3)
        #expect(choices[2]?[.fast] == "Steady")
        #expect(choices[1]?[.all] == "Steady")
        #expect(choices[0] == nil)
        // In-sample selection (all folds) would still pick Steady here, but judged on fold 2 alone the spy wins:
        #expect(report.accumulator(model: "Spy", folds: [2]).wape == 0)
        report.addSelected(choices)
        let selected = report.groups[BacktestReport.Key(model: "Selected", kind: .fold, value: "2")]
        #expect(selected?.wape == report.accumulator(model: "Steady", folds: [2]).wape)
    }

    /// The combination's members per demand class are a choice among combinations of members
    /// (`combination:<members>` candidates), made like any other on earlier folds only (issue 28):
    /// each class gets the members that were best for it before, a spy set of members best only
    /// on the last fold is chosen neither for that fold nor for the version.
    @Test func combinationMembersPerClassAreChosenOutOfSample() {
        let two: ModelName = "Combination", three: ModelName = "Combination[XGBoost[log]+XGBoost[log,depth]+PriceRegression]"
        let spy: ModelName = "Combination[XGBoost[log,depth]+PriceRegression]"
        var report = BacktestReport()
        report.models = [two, three, spy]
        func acc(_ error: Double) -> ErrorAccumulator {
            var a = ErrorAccumulator()
            for _ in 0..<20 {
                a.add(actual: [10, 10], forecast: [10 + error, 10 - error], lower: [0, 0], upper: [20, 20], level: 0.8, maeScale: 1, mseScale: 1)
            }
            return a
        }
        for fold in 0..<4 {
            for demandClass in ["fast", "slow"] {
                let errors = [
                    (two, demandClass == "slow" ? 1.0 : 2.0), (three, demandClass == "fast" ? 1.0 : 2.0),
                    (spy, fold == 3 ? 0.0 : 4.0),
                ]
                for (model, error) in errors {
                    let a = acc(error)
                    for (kind, value): (BacktestReport.Group, String) in [
                        (.foldClass, "\(fold)|\(demandClass)"), (.fold, "\(fold)"), (.demandClass, demandClass), (.all, "all"),
                    ] {
                        report.groups[BacktestReport.Key(model: model, kind: kind, value: value), default: ErrorAccumulator()].merge(a)
                    }
                }
            }
        }
        let choices = report.nestedSelection({ $0.wape }, candidates: report.models, folds: 4)
        for k in 1...3 {
            #expect(choices[k]?[.fast] == three && choices[k]?[.slow] == two, "fold \(k): \(String(describing: choices[k]))")
        }
        #expect(report.accumulator(model: spy, folds: [3]).wape == 0)
        #expect(report.selection({ $0.wape }) == [.fast: three, .slow: two, .all: two])
    }

    /// On thin evidence (fewer points than one fold of `minimumClassSeries` series at every
    /// horizon) the overall choice is the combination, not whichever model was luckiest on them;
    /// once the earlier folds hold enough, the lowest error decides again.
    @Test func thinEvidenceChoosesTheCombination() throws {
        var report = BacktestReport()
        report.models = ["Lucky", "Combination"]
        func acc(_ error: Double) -> ErrorAccumulator {
            var a = ErrorAccumulator()
            for _ in 0..<10 {
                a.add(actual: [10, 10], forecast: [10 + error, 10 - error], lower: [0, 0], upper: [20, 20], level: 0.8, maeScale: 1, mseScale: 1)
            }
            return a
        }
        for fold in 0..<3 {
            for (model, error): (ModelName, Double) in [("Lucky", 1.0), ("Combination", 2.0)] {
                for (kind, value): (BacktestReport.Group, String) in [(.foldClass, "\(fold)|fast"), (.all, "all")] {
                    report.groups[BacktestReport.Key(model: model, kind: kind, value: value), default: ErrorAccumulator()].merge(acc(error))
                }
            }
        }
        let minimum = BacktestReport.minimumOverallPoints(horizon: 3)
        #expect(minimum == 30)
        let specs = try ["xgboost:log", "combination", "combination:xgboost:log+xgboost:log_depth"].map {
            try ModelSpec(parsing: $0, seasonLength: 52, window: 4)
        }
        #expect(BacktestReport.thinEvidenceDefault(specs) == "Combination")
        #expect(BacktestReport.thinEvidenceDefault(Array(specs.prefix(1))) == nil)
        let thin = report.nestedSelection({ $0.wape }, candidates: report.models, folds: 3, thin: (minimum, "Combination"))
        #expect(thin[1]?[.all] == "Combination" && thin[2]?[.all] == "Lucky", "\(thin)")  // 20 points, then 40
        #expect(report.nestedSelection({ $0.wape }, candidates: report.models, folds: 3)[1]?[.all] == "Lucky")
        #expect(report.selection({ $0.wape }, thin: (minimum, "Combination"))[.all] == "Lucky")  // 60 points
        #expect(report.selection({ $0.wape }, thin: (61, "Combination"))[.all] == "Combination")
        #expect(report.selection({ $0.wape }, thin: (61, "Absent"))[.all] == "Lucky")
    }

    /// A class judged on too few points follows the overall choice, in the nested and the final
    /// selection. Here "fast" is the big class and "slow" the tiny one.
    @Test func aSmallClassFollowsTheOverallChoice() {
        var report = BacktestReport()
        report.models = ["Steady", "Lucky"]
        func acc(_ error: Double, points: Int) -> ErrorAccumulator {
            var a = ErrorAccumulator()
            for _ in 0..<points {
                a.add(actual: [10], forecast: [10 + error], lower: [0], upper: [20], level: 0.8, maeScale: 1, mseScale: 1)
            }
            return a
        }
        for fold in 0..<3 {
            for (model, big, tiny): (ModelName, Double, Double) in [("Steady", 1.0, 3.0), ("Lucky", 4.0, 0.0)] {
                for (demandClass, a) in [("fast", acc(big, points: 40)), ("slow", acc(tiny, points: 2))] {
                    report.groups[BacktestReport.Key(model: model, kind: .foldClass, value: "\(fold)|\(demandClass)")] = a
                    report.groups[BacktestReport.Key(model: model, kind: .demandClass, value: demandClass), default: ErrorAccumulator()].merge(a)
                    report.groups[BacktestReport.Key(model: model, kind: .all, value: "all"), default: ErrorAccumulator()].merge(a)
                }
            }
        }
        #expect(report.nestedSelection({ $0.wape }, candidates: report.models, folds: 3)[2]?[.slow] == "Lucky")
        let shrunk = report.nestedSelection({ $0.wape }, candidates: report.models, folds: 3, minimumClassPoints: { 10 * $0 })
        #expect(shrunk[2]?[.slow] == nil)
        #expect(shrunk[2]?[.fast] == "Steady")
        #expect(shrunk[2]?[.all] == "Steady")
        #expect(report.selection({ $0.wape })[.slow] == "Lucky")
        #expect(report.selection({ $0.wape }, minimumClassPoints: 30) == [.fast: "Steady", .all: "Steady"])
    }
}
