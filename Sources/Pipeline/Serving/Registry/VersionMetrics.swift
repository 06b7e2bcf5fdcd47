import Forecasting
import Foundation
import Postgres

/// The qualifying backtest's accuracy of a policy against seasonal naive, as registered with a
/// model version (`forecast.model_versions.metrics`). Non-finite values are null.
public struct VersionMetrics: Codable, Sendable {
    public struct Segment: Codable, Sendable {
        /// Every series, or a class, category or region.
        public let kind: SegmentKind
        public let value: String
        public let n: Int
        public let wape: Double?, mase: Double?, bias: Double?
        public let baselineWape: Double?, baselineMase: Double?, baselineBias: Double?

        enum CodingKeys: String, CodingKey {
            case kind, value, n, wape, mase, bias
            case baselineWape = "baseline_wape", baselineMase = "baseline_mase", baselineBias = "baseline_bias"
        }
    }

    /// The backtest's name for the policy's forecast ("Selected" or the model's name).
    public let model: ModelName
    public let baseline: ModelName
    /// Folds the figures cover (for "Selected", the out-of-sample folds from the second on).
    public let folds: [Int]
    public let cutoffs: [String]
    public let horizon: Int
    public let level: Double
    public let overall: Segment
    public let segments: [Segment]
    /// Cross-fold coverage of the conformal intervals, per model the policy serves.
    public let coverage: [ModelName: Double?]
    /// The policy's errors per horizon step over the same folds as `overall` (the sums WAPE is
    /// made of), so that `monitor` holds live accuracy at the horizons `evaluate` scores
    /// (`evaluated_horizons`) against the backtest at those horizons, not at every step. Nil:
    /// registered by an older build, or the backtest's rows were purged before training.
    public var horizons: [HorizonErrors]? = nil

    public struct HorizonErrors: Codable, Sendable, Equatable {
        public let horizon: Int
        public let n: Int
        public let absError: Double, absActual: Double

        enum CodingKeys: String, CodingKey {
            case horizon, n
            case absError = "abs_error", absActual = "abs_actual"
        }
    }

    static func from(_ report: BacktestReport, model: ModelName, served: [ModelName], folds: Int, horizon: Int, level: Double) -> VersionMetrics {
        let window = model == .selected ? report.selectedFolds(folds: folds) : Set(0..<folds)
        func num(_ v: Double) -> Double? { v.isFinite ? v : nil }
        func segment(_ kind: SegmentKind, _ value: String, _ a: ErrorAccumulator, _ b: ErrorAccumulator) -> Segment {
            Segment(
                kind: kind, value: value, n: a.count, wape: num(a.wape), mase: num(a.mase), bias: num(a.bias),
                baselineWape: num(b.wape), baselineMase: num(b.mase), baselineBias: num(b.bias))
        }
        let overall = segment(
            .all, "all", report.accumulator(model: model, folds: window),
            report.accumulator(model: report.baseline, folds: window))
        var segments: [Segment] = []
        for value in report.values(kind: .demandClass) {
            let a = report.accumulator(model: model, demandClass: value, folds: window)
            guard a.count > 0 else { continue }
            segments.append(segment(.demandClass, value, a, report.accumulator(model: report.baseline, demandClass: value, folds: window)))
        }
        if model != .selected {
            for (kind, segmentKind) in [(BacktestReport.Group.category, SegmentKind.category), (.region, .region)] {
                for value in report.values(kind: kind) {
                    guard let a = report.groups[.init(model: model, kind: kind, value: value)],
                        let b = report.groups[.init(model: report.baseline, kind: kind, value: value)]
                    else { continue }
                    segments.append(segment(segmentKind, value, a, b))
                }
            }
        }
        var coverage: [ModelName: Double?] = [:]
        for name in served { coverage[name] = num(report.calibratedCoverage[name] ?? .nan) }
        return VersionMetrics(
            model: model, baseline: report.baseline, folds: window.sorted(), cutoffs: report.cutoffs,
            horizon: horizon, level: level, overall: overall, segments: segments, coverage: coverage)
    }
}

extension VersionMetrics {
    /// `model`'s scored rows of backtest `backtestID` on `folds`, summed per horizon step (what
    /// `ErrorAccumulator` scores: finite actuals only; "Selected" has rows of its own). Summed as
    /// numeric, so that the figures do not depend on the order a parallel aggregate adds them in.
    static func horizonErrors(backtestID: Int64, model: ModelName, folds: [Int], on connection: Connection) throws -> [HorizonErrors]? {
        let rows = try connection.query(
            Query(
                """
                SELECT horizon, count(*)::int AS n, sum(abs(yhat - actual)::numeric)::float8 AS abs_error,
                       sum(abs(actual)::numeric)::float8 AS abs_actual
                FROM forecast.backtest_results
                WHERE backtest_id = \(backtestID) AND model_name = \(model.text) AND fold = ANY(\(folds.map(String.init))::text[]::int[])
                  AND actual IS NOT NULL AND actual NOT IN ('NaN'::float8, 'Infinity'::float8, '-Infinity'::float8)
                GROUP BY horizon ORDER BY horizon
                """
            ).named("backtest_horizon_errors")
        ).rows
        let steps = try rows.map {
            HorizonErrors(
                horizon: try $0.decode("horizon"), n: try $0.decode("n"), absError: try $0.decode("abs_error"),
                absActual: try $0.decode("abs_actual"))
        }
        return steps.isEmpty ? nil : steps
    }
}
