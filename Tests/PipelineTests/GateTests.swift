import Foundation
import Testing

@testable import Forecasting
@testable import Pipeline

/// The accuracy gate reads its segments as typed groups: a misspelt kind is an error, not a
/// check that passes for lack of data.
struct GateTests {
    static func report() -> BacktestReport {
        var report = BacktestReport()
        report.models = ["SeasonalNaive(7)", "Naive"]
        report.baseline = "SeasonalNaive(7)"
        report.cutoffs = ["2026-11-20"]
        var a = ErrorAccumulator()
        a.add(actual: [10, 10], forecast: [11, 9], lower: [0, 0], upper: [20, 20], level: 0.8, maeScale: 1, mseScale: 1)
        for model in report.models {
            for (kind, value): (BacktestReport.Group, String) in [(.all, "all"), (.fold, "0"), (.region, "north"), (.foldClass, "0|fast")] {
                report.groups[BacktestReport.Key(model: model, kind: kind, value: value)] = a
            }
        }
        return report
    }

    @Test func aMisspeltSegmentKindIsRefused() throws {
        var gate = AccuracyGate.standard
        gate.candidate = "Naive"
        gate.noWorseSegments = ["region:north"]
        let checks = try gate.evaluate(Self.report(), folds: 1)
        #expect(checks.contains { $0.name == "segment region:north (Naive)" && $0.actual != "no data" })
        for typo in ["regoin:north", "all:all", "cell:0|fast|c|r", "class\u{0301}:fast"] {
            gate.noWorseSegments = [typo]
            #expect(throws: PipelineError.self, "\(typo)") { try gate.evaluate(Self.report(), folds: 1) }
        }
    }
}
