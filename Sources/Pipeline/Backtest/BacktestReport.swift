import Forecasting
import Foundation

/// Accuracy of every model per group: overall, per fold, and per segment (category, region,
/// demand class), each also relative to seasonal naive on the same group.
public struct BacktestReport: Sendable {
    /// How a backtest's rows are grouped for scoring (`backtests.summary.group`).
    public enum Group: String, Sendable, CaseIterable {
        /// Every row (value `all`).
        case all
        case fold, category, region
        case demandClass = "class"
        /// A fold and a demand class (`foldClass(fold:demandClass:)`): what nested selection reads.
        case foldClass = "foldclass"
        /// The finest group (fold, class, category, region), merged into the others once.
        case cell
    }

    public struct Key: Hashable, Sendable, Comparable {
        public let model: ModelName
        public let kind: Group
        public let value: String

        public init(model: ModelName, kind: Group, value: String) {
            self.model = model
            self.kind = kind
            self.value = value
        }

        /// A model's key over every row.
        public static func overall(_ model: ModelName) -> Key { Key(model: model, kind: .all, value: "all") }

        public static func < (a: Key, b: Key) -> Bool {
            (a.kind.rawValue, a.value, a.model) < (b.kind.rawValue, b.value, b.model)
        }
    }

    public var id: Int64 = 0
    public var cutoffs: [String] = []
    public var seriesCount = 0
    public var rows = 0
    public var seconds = 0.0
    /// Data contracts that warned on the backtest's snapshot.
    public var warnings: [ContractOutcome] = []
    public var baseline: ModelName = ""
    public var models: [ModelName] = []
    /// The cutoffs the global models were refit at (`GlobalRefits`; empty: no global model).
    public var globalRefits: [String] = []
    public var groups: [Key: ErrorAccumulator] = [:]
    /// Demand class (and "all") -> the model with the lowest selection metric.
    public var selection: [SelectionSegment: ModelName] = [:]
    /// Conformal calibration per model from all folds (what runs use).
    public var calibrations: [ModelName: ConformalCalibration] = [:]
    /// Cross-conformal check per model: each fold scored with quantiles from the other folds.
    public var calibratedCoverage: [ModelName: Double] = [:]
    public var calibratedWidth: [ModelName: Double] = [:]
    /// Per model and fold.
    public var calibratedCoverageByFold: [ModelName: [Double]] = [:]
    /// The extra levels' calibrations and their cross-conformal coverage, per level and model
    /// (`BacktestOptions.extraLevels`).
    public var levelCalibrations: [Double: [ModelName: ConformalCalibration]] = [:]
    public var levelCoverage: [Double: [ModelName: Double]] = [:]

    typealias Calibrated = (calibration: ConformalCalibration?, coverage: Double, width: Double, byFold: [Double])

    /// Fits the calibrations and measures their coverage honestly: fold k is judged with
    /// quantiles computed from the other folds only (with a single fold, from itself). The
    /// extra levels are calibrated from the same scores, the same way.
    mutating func calibrate(scores: ScoreSample, folds: Int, horizon: Int, level: Double, extraLevels: [Double] = []) {
        let results = calibrated(scores: scores, folds: folds, horizon: horizon, level: level)
        for (m, name) in models.enumerated() {
            guard let result = results[m] else { continue }
            calibrations[name] = result.calibration
            calibratedCoverage[name] = result.coverage
            calibratedWidth[name] = result.width
            calibratedCoverageByFold[name] = result.byFold
        }
        for extra in extraLevels {
            let results = calibrated(scores: scores, folds: folds, horizon: horizon, level: extra)
            for (m, name) in models.enumerated() {
                guard let result = results[m] else { continue }
                levelCalibrations[extra, default: [:]][name] = result.calibration
                levelCoverage[extra, default: [:]][name] = result.coverage
            }
        }
    }

    /// Per model index, its calibration at `level` and that calibration's cross-conformal coverage.
    /// Models are calibrated in parallel (each sorts its scores once per step and left-out fold).
    func calibrated(scores: ScoreSample, folds: Int, horizon: Int, level: Double) -> [Int: Calibrated] {
        let models = self.models
        let results = Mutex<[Int: Calibrated]>([:])
        DispatchQueue.concurrentPerform(iterations: models.count) { m in
            func scoresFor(step: Int, excluding fold: Int?) -> [Double] {
                var out: [Double] = []
                for f in 0..<folds where f != fold || folds == 1 {
                    out += (scores.points[ScoreSample.ScoreKey(model: m, fold: f, step: step)] ?? []).map(\.0)
                }
                return out
            }
            let calibration = ConformalCalibration(level: level, scoresByStep: (0..<horizon).map { scoresFor(step: $0, excluding: nil) })
            var covered = 0, total = 0, width = 0.0
            var byFold: [Double] = []
            for f in 0..<folds {
                guard let cal = ConformalCalibration(level: level, scoresByStep: (0..<horizon).map { scoresFor(step: $0, excluding: f) }) else { continue }
                var foldCovered = 0, foldTotal = 0
                for h in 0..<horizon {
                    for (score, scale) in scores.points[ScoreSample.ScoreKey(model: m, fold: f, step: h)] ?? [] {
                        let lo = min(0, cal.lower[h]), hi = max(0, cal.upper[h])
                        if lo <= score && score <= hi { foldCovered += 1 }
                        foldTotal += 1
                        width += (hi - lo) * scale
                    }
                }
                covered += foldCovered
                total += foldTotal
                byFold.append(foldTotal > 0 ? Double(foldCovered) / Double(foldTotal) : .nan)
            }
            let result: Calibrated = (
                calibration, total > 0 ? Double(covered) / Double(total) : .nan,
                total > 0 ? width / Double(total) : .nan, byFold
            )
            results.withLock { $0[m] = result }
        }
        return results.withLock { $0 }
    }

    mutating func add(_ key: Key, _ acc: ErrorAccumulator) {
        groups[key, default: ErrorAccumulator()].merge(acc)
    }

    mutating func merge(_ other: [Key: ErrorAccumulator]) {
        for (k, v) in other { groups[k, default: ErrorAccumulator()].merge(v) }
    }

    /// Per demand class, the model with the lowest metric (ties: the earlier model in the list; the
    /// nested selection's rule, `choose`);
    /// "all" maps to the best model overall, for classes a later run meets that the backtest did not.
    /// The global model is a candidate like any other: a run whose selection names it trains it
    /// once and serves it to the classes it won. A class with fewer than `minimumClassPoints` scored
    /// points gets no choice of its own (it follows "all").
    /// Below `thin.points` scored points overall, "all" is `thin.model` (when it is a candidate): `nestedSelection`'s rule.
    public func selection(
        _ metric: (ErrorAccumulator) -> Double, minimumClassPoints: Int = 0,
        thin: (points: Int, model: ModelName?) = (0, nil)
    ) -> [SelectionSegment: ModelName] {
        var out: [SelectionSegment: ModelName] = [:]
        for (kind, segments) in [(Group.demandClass, values(kind: .demandClass)), (.all, ["all"])] {
            for segment in segments {
                guard let choiceKey = SelectionSegment(rawValue: segment) else { continue }
                var scored: [(model: ModelName, value: Double)] = []
                var evidence = 0
                for model in models where model != .selected {
                    guard let a = groups[Key(model: model, kind: kind, value: segment)], a.count > 0,
                        kind == .all || a.count >= minimumClassPoints
                    else { continue }
                    scored.append((model, metric(a)))
                    evidence = max(evidence, a.count)
                }
                let best = kind == .all ? Self.overallChoice(scored, evidence: evidence, thin: thin) : Self.choose(scored)
                guard let best else { continue }
                out[choiceKey] = best
            }
        }
        return out
    }

    /// The selected combination's errors: each class scored with its selected model, over the
    /// given folds (nil = all).
    public func accumulator(selection: [SelectionSegment: ModelName], folds: Set<Int>? = nil) -> ErrorAccumulator {
        var total = ErrorAccumulator()
        for key in groups.keys where key.kind == .foldClass {
            guard let (fold, demandClass) = Self.foldClassParts(key.value) else { continue }
            if let folds, !folds.contains(fold) { continue }
            let chosen = SelectionSegment(rawValue: demandClass).flatMap { selection[$0] } ?? selection[.all]
            if key.model == chosen { total.merge(groups[key]!) }
        }
        return total
    }

    /// One model's errors on one demand class over the given folds.
    public func accumulator(model: ModelName, demandClass: String, folds: Set<Int>) -> ErrorAccumulator {
        var total = ErrorAccumulator()
        for f in folds {
            if let a = groups[Key(model: model, kind: .foldClass, value: Self.foldClass(fold: f, demandClass: demandClass))] { total.merge(a) }
        }
        return total
    }

    /// One model's errors over the given folds (nil = all).
    public func accumulator(model: ModelName, folds: Set<Int>? = nil) -> ErrorAccumulator {
        var total = ErrorAccumulator()
        for key in groups.keys where key.kind == .fold && key.model == model {
            if let folds, let f = Int(key.value), !folds.contains(f) { continue }
            total.merge(groups[key]!)
        }
        return total
    }

    /// metric(model) / metric(seasonal naive) on the same group.
    public func relative(_ key: Key, _ metric: (ErrorAccumulator) -> Double) -> Double {
        guard let mine = groups[key], let base = groups[Key(model: baseline, kind: key.kind, value: key.value)] else { return .nan }
        let b = metric(base)
        return b > 0 ? metric(mine) / b : .nan
    }

    public func values(kind: Group) -> [String] {
        Array(Set(groups.keys.filter { $0.kind == kind }.map(\.value))).sorted { a, b in
            if let x = Int(a), let y = Int(b) { return x < y }
            return a < b
        }
    }

    /// One group's metrics in `forecast.backtests.summary` (non-finite values are null).
    struct SummaryRow: Encodable {
        let model: ModelName, group: String, value: String, n: Int
        let mae: Double?, rmse: Double?, wape: Double?, mape: Double?, mase: Double?, rmsse: Double?, bias: Double?
        let coverage: Double?, width: Double?, pinball: Double?
        let wapeVsBaseline: Double?, maseVsBaseline: Double?

        enum CodingKeys: String, CodingKey {
            case model, group, value, n, mae, rmse, wape, mape, mase, rmsse, bias, coverage, width, pinball
            case wapeVsBaseline = "wape_vs_baseline", maseVsBaseline = "mase_vs_baseline"
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(model, forKey: .model)
            try c.encode(group, forKey: .group)
            try c.encode(value, forKey: .value)
            try c.encode(n, forKey: .n)
            for (key, v) in [
                (CodingKeys.mae, mae), (.rmse, rmse), (.wape, wape), (.mape, mape), (.mase, mase), (.rmsse, rmsse),
                (.bias, bias), (.coverage, coverage), (.width, width), (.pinball, pinball),
                (.wapeVsBaseline, wapeVsBaseline), (.maseVsBaseline, maseVsBaseline),
            ] {
                try c.encode(v, forKey: key)  // nil encodes as null
            }
        }
    }

    /// The summary stored in `forecast.backtests.summary`: one object per group, encoded by
    /// JSONEncoder (keys sorted) and bound as one value.
    public func summaryJSON() throws -> String {
        func num(_ v: Double) -> Double? { v.isFinite ? v : nil }
        let rows = groups.keys.filter { $0.kind != .cell }.sorted().map { k -> SummaryRow in
            let a = groups[k]!
            return SummaryRow(
                model: k.model, group: k.kind.rawValue, value: k.value, n: a.count, mae: num(a.mae), rmse: num(a.rmse),
                wape: num(a.wape), mape: num(a.mape), mase: num(a.mase), rmsse: num(a.rmsse), bias: num(a.bias),
                coverage: num(a.coverage), width: num(a.meanWidth), pinball: num(a.meanPinball),
                wapeVsBaseline: num(relative(k, \.wape)), maseVsBaseline: num(relative(k, \.mase)))
        }
        return String(decoding: try JSONEncoder.sorted.encode(rows), as: UTF8.self)
    }
}
