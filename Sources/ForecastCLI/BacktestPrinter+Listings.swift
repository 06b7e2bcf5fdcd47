import Forecasting
import Pipeline

/// The backtest as listings for `--format json` (issue 31, item 1): the run, every model's overall
/// accuracy, the groups in long form (one row per model, group kind and value), the selection and
/// the gate's checks, with the field names of `forecast.backtest_summary` where it has them.
extension BacktestPrinter {
    func listings(gate: [AccuracyGate.Check]?) -> [Listing] {
        var run = Listing(
            "backtest",
            columns: [
                .init("id"), .init("series"), .init("folds"), .init("cutoffs"), .init("horizon"), .init("gap"), .init("window"),
                .init("rows"), .init("seconds"), .init("interval_level"), .init("baseline"), .init("global_refits"),
            ])
        let window = windowText
        run.add([
            .integer(Int(report.id)), .integer(report.seriesCount), .integer(plan.folds), .text(report.cutoffs.joined(separator: ",")),
            .integer(plan.horizon), .integer(plan.gap), .text(window), .integer(report.rows), .number(report.seconds, digits: 1),
            .number(level, digits: 2), .text(report.baseline.text), .text(report.globalRefits.joined(separator: ",")),
        ])
        var overall = Listing(
            "overall",
            columns: [
                .init("model"), .init("n"), .init("mae"), .init("wape"), .init("mape"), .init("mase"), .init("rmsse"), .init("bias"),
                .init("coverage"), .init("width"), .init("pinball"), .init("wape_vs_baseline"), .init("mase_vs_baseline"),
                .init("conformal_coverage"), .init("conformal_width"),
            ])
        for model in report.models {
            let key = BacktestReport.Key.overall(model)
            guard let a = report.groups[key] else { continue }
            overall.add([
                .text(model.text), .integer(a.count), .number(a.mae, digits: 3), .percent(a.wape), .number(a.mape, digits: 1),
                .number(a.mase, digits: 3), .number(a.rmsse, digits: 3), .percent(a.bias), .percent(a.coverage),
                .number(a.meanWidth, digits: 2), .number(a.meanPinball, digits: 3), .number(report.relative(key, \.wape), digits: 3),
                .number(report.relative(key, \.mase), digits: 3), .percent(report.calibratedCoverage[model]),
                .number(report.calibratedWidth[model], digits: 2),
            ])
        }
        var groups = Listing(
            "groups",
            columns: [
                .init("model"), .init("group"), .init("value"), .init("n"), .init("wape"), .init("wape_vs_baseline"), .init("mase"),
                .init("coverage"),
            ])
        for kind: BacktestReport.Group in [.fold, .category, .region, .demandClass] {
            for value in report.values(kind: kind) {
                for model in report.models {
                    let key = BacktestReport.Key(model: model, kind: kind, value: value)
                    guard let a = report.groups[key] else { continue }
                    groups.add([
                        .text(model.text), .text(kind.rawValue), .text(value), .integer(a.count), .percent(a.wape),
                        .number(report.relative(key, \.wape), digits: 3), .number(a.mase, digits: 3), .percent(a.coverage),
                    ])
                }
            }
        }
        var selection = Listing("selection", columns: [.init("segment"), .init("model")])
        for (segment, model) in report.selection.sorted(by: { $0.key < $1.key }) { selection.add([.text(segment.rawValue), .text(model.text)]) }
        var out = [run, overall, groups, selection]
        if !report.levelCoverage.isEmpty {
            var levels = Listing("levels", columns: [.init("model"), .init("interval_level"), .init("conformal_coverage")])
            for model in report.models where model != .selected {
                levels.add([.text(model.text), .number(level, digits: 3), .percent(report.calibratedCoverage[model])])
                for extra in report.levelCoverage.keys.sorted() {
                    levels.add([.text(model.text), .number(extra, digits: 3), .percent(report.levelCoverage[extra]?[model])])
                }
            }
            out.append(levels)
        }
        if let gate {
            var checks = Listing("gate", columns: [.init("check"), .init("required"), .init("actual"), .init("passed")])
            for c in gate { checks.add([.text(c.name), .text(c.required), .text(c.actual), .flag(c.passed, shown: c.passed ? "pass" : "FAIL")]) }
            out.append(checks)
        }
        return out
    }
}
