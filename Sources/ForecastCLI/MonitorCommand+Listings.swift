import Pipeline

/// `monitor --format json`: the pass, every PSI value at or above its warn level, the conditions
/// that fired and the alerts resolved, with stable field names.
extension MonitorCommand {
    static func listings(_ report: Monitor.Report) -> [Listing] {
        let drifted = report.drift.filter { $0.psi >= $0.warnAt }.sorted { $0.psi > $1.psi }
        var pass = Listing(
            "pass",
            columns: [
                .init("run_id"), .init("frequency"), .init("psi_values"), .init("above_warn"), .init("alerts_opened"),
                .init("alerts_still_open"), .init("alerts_resolved"),
            ])
        pass.add([
            .integer(Int(report.runID)), .text(report.frequency.rawValue), .integer(report.drift.count), .integer(drifted.count),
            .integer(report.alerts.opened.count), .integer(report.alerts.updated.count), .integer(report.alerts.resolved.count),
        ])
        var drift = Listing(
            "drift",
            columns: [
                .init("feature"), .init("segment_kind"), .init("segment"), .init("reference"), .init("psi"), .init("warn_at"),
                .init("critical_at"), .init("reference_runs"),
            ])
        for d in drifted {
            drift.add([
                .text(d.feature), .text(d.segmentKind.rawValue), .text(d.segment), .text(d.reference), .number(d.psi, digits: 3),
                .number(d.warnAt, digits: 2), .number(d.criticalAt, digits: 2), .integer(d.referenceRuns),
            ])
        }
        var conditions = Listing(
            "conditions",
            columns: [
                .init("tier"), .init("rule"), .init("kind"), .init("scope"), .init("value"), .init("threshold"), .init("message"),
                .init("runbook"),
            ])
        for c in report.conditions.sorted(by: { ($0.tier, $1.rule) > ($1.tier, $0.rule) }) {
            conditions.add([
                .text(c.tier.rawValue), .text(c.rule), .text(c.kind.rawValue), .text(c.scope), .number(c.value, digits: 4),
                .number(c.threshold, digits: 4), .text(c.message), .text(c.runbook),
            ])
        }
        var resolved = Listing("resolved", columns: [.init("alert")])
        for r in report.alerts.resolved { resolved.add([.text(r)]) }
        return [pass, drift, conditions, resolved]
    }
}
