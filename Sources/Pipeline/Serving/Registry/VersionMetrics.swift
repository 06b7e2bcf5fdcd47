import Forecasting
import Foundation

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
