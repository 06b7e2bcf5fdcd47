import Forecasting
import Foundation

/// The metrics contract a candidate must meet before it may serve forecasts (ops/metrics-contract.json):
///
/// - the primary metric over the last N folds must beat seasonal naive by at least a margin;
/// - the relative bias must stay within bounds;
/// - listed segments must not be worse than seasonal naive;
/// - conformal interval coverage must be within a tolerance of its nominal level.
public struct AccuracyGate: Codable, Sendable {
    /// wape, mase, rmsse or mae.
    public var primaryMetric: SelectionMetric
    /// "selected" (the per-class selection of this backtest) or a model name as printed, e.g. "AutoETS".
    public var candidate: String
    /// E.g. 0.15: the candidate's primary metric must be at most 85% of seasonal naive's.
    public var minImprovement: Double
    public var lastFolds: Int
    /// E.g. 0.05: |sum(f - y)| / sum|y| at most 5%.
    public var maxAbsBias: Double
    /// "class:fast", "class:intermittent", ...; with a named candidate also "category:..." and "region:...".
    public var noWorseSegments: [String]
    public var coverageTolerance: Double

    enum CodingKeys: String, CodingKey {
        case primaryMetric = "primary_metric", candidate, minImprovement = "min_improvement", lastFolds = "last_folds"
        case maxAbsBias = "max_abs_bias", noWorseSegments = "no_worse_segments", coverageTolerance = "coverage_tolerance"
    }

    /// The gate of ops/metrics-contract.json, used by `train` when no --gate file is given.
    public static let standard = AccuracyGate(
        primaryMetric: .wape, candidate: "selected", minImprovement: 0.15, lastFolds: 4,
        maxAbsBias: 0.05, noWorseSegments: ["class:fast", "class:slow", "class:intermittent", "class:new"],
        coverageTolerance: 0.03)

    public init(
        primaryMetric: SelectionMetric, candidate: String, minImprovement: Double, lastFolds: Int, maxAbsBias: Double,
        noWorseSegments: [String], coverageTolerance: Double
    ) {
        self.primaryMetric = primaryMetric
        self.candidate = candidate
        self.minImprovement = minImprovement
        self.lastFolds = lastFolds
        self.maxAbsBias = maxAbsBias
        self.noWorseSegments = noWorseSegments
        self.coverageTolerance = coverageTolerance
    }

    /// A gate file, or the metrics contract whose "accuracy" section is the gate.
    public static func load(_ path: String) throws -> AccuracyGate {
        struct Contract: Decodable { let accuracy: AccuracyGate }
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            if let contract = try? JSONDecoder().decode(Contract.self, from: data) { return contract.accuracy }
            return try JSONDecoder().decode(AccuracyGate.self, from: data)
        } catch {
            throw PipelineError.configuration("cannot read the accuracy gate \(path): \(error)")
        }
    }

    public struct Check: Sendable {
        public let name: String
        public let required: String
        public let actual: String
        public let passed: Bool
    }

    public func evaluate(_ report: BacktestReport, folds: Int) throws -> [Check] {
        let metric = primaryMetric.score
        let baseline = report.baseline
        let selected = candidate == "selected"
        // "selected" is the out-of-sample Selected forecast (nested rolling origin), scored from
        // the second fold on: the baseline is judged on the same folds.
        var window = Set(max(0, folds - lastFolds)..<folds)
        if selected { window.formIntersection(report.selectedFolds(folds: folds)) }
        let candidateName: ModelName = selected ? .selected : ModelName(candidate)
        guard selected || report.models.contains(candidateName) else {
            throw PipelineError.invalidArgument(
                "gate candidate '\(candidate)' is not among the backtest's models: \(report.models.map(\.text).joined(separator: ", "))")
        }
        func candidateAcc(_ folds: Set<Int>?) -> ErrorAccumulator {
            report.accumulator(model: candidateName, folds: folds)
        }
        func f(_ v: Double) -> String { v.isFinite ? String(format: "%.4f", v) : "n/a" }
        func pct(_ v: Double) -> String { v.isFinite ? String(format: "%.1f%%", 100 * v) : "n/a" }
        var checks: [Check] = []
        let mine = metric(candidateAcc(window)), base = metric(report.accumulator(model: baseline, folds: window))
        let improvement = base > 0 ? 1 - mine / base : .nan
        checks.append(
            Check(
                name: "\(primaryMetric) vs \(baseline), last \(window.count) folds",
                required: "improvement >= \(pct(minImprovement))",
                actual: "\(f(mine)) vs \(f(base)): \(pct(improvement))", passed: improvement >= minImprovement))
        let bias = candidateAcc(window).bias
        checks.append(
            Check(
                name: "relative bias", required: "|bias| <= \(pct(maxAbsBias))", actual: pct(bias),
                passed: abs(bias) <= maxAbsBias))
        for segment in noWorseSegments {
            let parts = segment.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw PipelineError.configuration("gate segment '\(segment)' must look like class:fast") }
            // A typo in a gate must not pass as "no data": the kind is one of the groups a backtest scores.
            guard let kind = BacktestReport.Group(rawValue: parts[0]), [.demandClass, .category, .region, .fold].contains(kind) else {
                throw PipelineError.configuration("gate segment '\(segment)': the kind before ':' must be class, category, region or fold")
            }
            let value = parts[1]
            let model = candidateName
            let pair: (ErrorAccumulator, ErrorAccumulator)?
            if selected {
                guard kind == .demandClass else {
                    throw PipelineError.configuration("with candidate 'selected' only class:... segments can be gated, got \(segment)")
                }
                let folds = report.selectedFolds(folds: folds)
                let a = report.accumulator(model: model, demandClass: value, folds: folds)
                let b = report.accumulator(model: baseline, demandClass: value, folds: folds)
                pair = a.count > 0 && b.count > 0 ? (a, b) : nil
            } else if let a = report.groups[BacktestReport.Key(model: model, kind: kind, value: value)],
                let b = report.groups[BacktestReport.Key(model: baseline, kind: kind, value: value)]
            {
                pair = (a, b)
            } else {
                pair = nil
            }
            guard let (a, b) = pair else {
                checks.append(Check(name: "segment \(segment)", required: "not worse than \(baseline)", actual: "no data", passed: true))
                continue
            }
            checks.append(
                Check(
                    name: "segment \(segment) (\(model))", required: "\(primaryMetric) <= \(baseline)'s",
                    actual: "\(f(metric(a))) vs \(f(metric(b)))", passed: metric(a) <= metric(b)))
        }
        let models = selected ? Array(Set(report.selection.values)).sorted() : [candidateName]
        let level = report.calibrations.values.first?.level ?? .nan
        for model in models {
            let coverage = report.calibratedCoverage[model] ?? .nan
            checks.append(
                Check(
                    name: "conformal coverage \(model)", required: "\(pct(level)) +- \(pct(coverageTolerance))",
                    actual: pct(coverage), passed: abs(coverage - level) <= coverageTolerance))
        }
        // Every extra level the runs will publish (`--levels`) is held to the same tolerance.
        for extra in report.levelCoverage.keys.sorted() {
            for model in models {
                let coverage = report.levelCoverage[extra]?[model] ?? .nan
                checks.append(
                    Check(
                        name: "conformal coverage \(model) at \(pct(extra))", required: "\(pct(extra)) +- \(pct(coverageTolerance))",
                        actual: pct(coverage), passed: abs(coverage - extra) <= coverageTolerance))
            }
        }
        return checks
    }
}
