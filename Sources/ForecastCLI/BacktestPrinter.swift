import Forecasting
import Foundation
import Pipeline

/// The tables a planner reads after a backtest.
struct BacktestPrinter {
    let report: BacktestReport
    let plan: BacktestPlan
    let level: Double

    func f(_ v: Double, _ digits: Int = 3) -> String { v.isFinite ? String(format: "%.\(digits)f", v) : "-" }
    func pct(_ v: Double) -> String { v.isFinite ? String(format: "%.1f%%", 100 * v) : "-" }

    /// The plan's window as the text and the JSON say it: `expanding` or `sliding N`.
    var windowText: String {
        if case .sliding(let n) = plan.window { return "sliding \(n)" }
        return "expanding"
    }

    func render() -> String {
        var out: [String] = []
        let window = windowText
        out.append(
            "backtest \(report.id): \(report.seriesCount) series, \(plan.folds) folds (cutoffs \(report.cutoffs.joined(separator: ", "))), "
                + "horizon \(plan.horizon), gap \(plan.gap), \(window) window; \(report.rows) rows in \(f(report.seconds, 1)) s")
        if !report.globalRefits.isEmpty && report.globalRefits.count < plan.folds {
            out.append(
                "global models refit at \(report.globalRefits.count) of \(plan.folds) cutoffs (\(report.globalRefits.joined(separator: ", "))); "
                    + "each forecasts the folds up to the next, as a version serves runs until it is retrained (--refit-days)")
        }
        out.append("")
        out.append("overall (interval level \(pct(level)); MAPE over non-zero actuals only; x/SN = relative to \(report.baseline))")
        var overall = TextTable(header: [
            "model", "n", "MAE", "WAPE", "MAPE", "MASE", "RMSSE", "bias", "coverage", "width",
            "pinball", "WAPE x/SN", "MASE x/SN", "conformal cov.", "conformal width",
        ])
        for model in report.models {
            let key = BacktestReport.Key(model: model, kind: .all, value: "all")
            guard let a = report.groups[key] else { continue }
            overall.add([
                model.text, String(a.count), f(a.mae), pct(a.wape), f(a.mape, 1), f(a.mase), f(a.rmsse), pct(a.bias),
                pct(a.coverage), f(a.meanWidth, 2), f(a.meanPinball), f(report.relative(key, \.wape)),
                f(report.relative(key, \.mase)), pct(report.calibratedCoverage[model] ?? .nan),
                f(report.calibratedWidth[model] ?? .nan, 2),
            ])
        }
        out.append(overall.render())
        out.append("coverage/width: the models' own residual intervals; conformal: per-horizon intervals calibrated on the")
        out.append("other folds' scaled errors (cross-conformal), what `run` uses once this backtest exists.")
        if !report.levelCoverage.isEmpty {
            let levels = report.levelCoverage.keys.sorted()
            out.append("")
            out.append("conformal coverage at each level (--levels; runs with the same --levels publish them)")
            var table = TextTable(header: ["model"] + ([level] + levels).map { pct($0) })
            for model in report.models where model != .selected {
                table.add([model.text, pct(report.calibratedCoverage[model] ?? .nan)] + levels.map { pct(report.levelCoverage[$0]?[model] ?? .nan) })
            }
            out.append(table.render())
        }
        for (kind, title): (BacktestReport.Group, String) in [
            (.fold, "per fold"), (.category, "per category"), (.region, "per region"),
            (.demandClass, "per demand class (fast / slow / intermittent / new)"),
        ] {
            out.append("")
            out.append("\(title): WAPE (x/SN), MASE, coverage")
            let values = report.values(kind: kind)
            var table = TextTable(header: ["model"] + values.map { kind == .fold ? "fold \($0) (\(report.cutoffs[Int($0) ?? 0]))" : $0 })
            for model in report.models {
                table.add(
                    [model.text]
                        + values.map { value in
                            let key = BacktestReport.Key(model: model, kind: kind, value: value)
                            guard let a = report.groups[key] else { return "-" }
                            return "\(pct(a.wape)) (\(f(report.relative(key, \.wape), 2))) \(f(a.mase, 2)) \(pct(a.coverage))"
                        })
            }
            out.append(table.render())
        }
        out.append("")
        out.append(
            "selected per demand class (used by `run --model selected`): "
                + report.selection.sorted { $0.key < $1.key }.map { "\($0.key) -> \($0.value)" }.joined(separator: ", "))
        return out.joined(separator: "\n")
    }
}
