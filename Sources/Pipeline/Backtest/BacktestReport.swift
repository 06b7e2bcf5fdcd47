import Forecasting

/// Accuracy of every model per group: overall, per fold, and per segment (category, region,
/// demand class), each also relative to seasonal naive on the same group.
public struct BacktestReport: Sendable {
    public struct Key: Hashable, Sendable, Comparable {
        public let model: String
        /// "all", "fold", "category", "region", "class".
        public let kind: String
        public let value: String

        public init(model: String, kind: String, value: String) {
            self.model = model
            self.kind = kind
            self.value = value
        }

        public static func < (a: Key, b: Key) -> Bool {
            (a.kind, a.value, a.model) < (b.kind, b.value, b.model)
        }
    }

    public var id: Int64 = 0
    public var cutoffs: [String] = []
    public var seriesCount = 0
    public var rows = 0
    public var seconds = 0.0
    public var baseline = ""
    public var models: [String] = []
    public var groups: [Key: ErrorAccumulator] = [:]

    mutating func add(_ key: Key, _ acc: ErrorAccumulator) {
        groups[key, default: ErrorAccumulator()].merge(acc)
    }

    mutating func merge(_ other: [Key: ErrorAccumulator]) {
        for (k, v) in other { groups[k, default: ErrorAccumulator()].merge(v) }
    }

    /// metric(model) / metric(seasonal naive) on the same group.
    public func relative(_ key: Key, _ metric: (ErrorAccumulator) -> Double) -> Double {
        guard let mine = groups[key], let base = groups[Key(model: baseline, kind: key.kind, value: key.value)] else { return .nan }
        let b = metric(base)
        return b > 0 ? metric(mine) / b : .nan
    }

    public func values(kind: String) -> [String] {
        Array(Set(groups.keys.filter { $0.kind == kind }.map(\.value))).sorted { a, b in
            if let x = Int(a), let y = Int(b) { return x < y }
            return a < b
        }
    }

    /// The summary stored in `forecast.backtests.summary`: one object per group.
    public func summaryJSON() -> String {
        func num(_ v: Double) -> String { v.isFinite ? String(format: "%.6g", v) : "null" }
        let rows = groups.keys.sorted().map { k -> String in
            let a = groups[k]!
            return "{\"model\": \(jsonString(k.model)), \"group\": \(jsonString(k.kind)), \"value\": \(jsonString(k.value)), "
                + "\"n\": \(a.count), \"mae\": \(num(a.mae)), \"rmse\": \(num(a.rmse)), \"wape\": \(num(a.wape)), "
                + "\"mape\": \(num(a.mape)), \"mase\": \(num(a.mase)), \"rmsse\": \(num(a.rmsse)), \"bias\": \(num(a.bias)), "
                + "\"coverage\": \(num(a.coverage)), \"width\": \(num(a.meanWidth)), \"pinball\": \(num(a.meanPinball)), "
                + "\"wape_vs_baseline\": \(num(relative(k, \.wape))), \"mase_vs_baseline\": \(num(relative(k, \.mase)))}"
        }
        return "[" + rows.joined(separator: ",\n") + "]"
    }
}
