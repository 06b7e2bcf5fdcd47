import Forecasting

/// A run's configuration in its three parts: the recipe (what decides the rows), the checks (the
/// data contracts' parameters) and the operations (how the work is done, never a row). Stored as
/// one `runs.config`; read through these views where only one part matters.
extension RunConfig {
    /// What decides the published rows: from the same snapshot, two runs with the same recipe
    /// publish the same rows (side rows of the shadow included).
    public struct Recipe: Equatable, Sendable {
        public var horizon: Int
        public var frequency: Frequency
        public var model: ModelSpec
        public var selection: [SelectionSegment: ModelSpec]?
        public var intervalLevel: Double
        public var inputSchema: String
        public var attributes: [String]
        public var calibrationBacktestID: Int64?
        public var served: ServedVersion?
        public var shadow: ServedVersion?
    }

    /// How the work is done: the same rows whatever these are.
    public struct Operations: Equatable, Sendable {
        public var chunkSize: Int
        public var leaseSeconds: Double
        public var heartbeatSeconds: Double
        public var maxAttempts: Int
        public var timeouts: StatementTimeouts
    }

    public var recipe: Recipe {
        Recipe(
            horizon: horizon, frequency: frequency, model: model, selection: selection, intervalLevel: intervalLevel,
            inputSchema: inputSchema, attributes: attributes ?? [], calibrationBacktestID: calibrationBacktestID,
            served: served, shadow: shadow?.version)
    }

    public var operations: Operations {
        Operations(
            chunkSize: chunkSize, leaseSeconds: leaseSeconds, heartbeatSeconds: heartbeatSeconds, maxAttempts: maxAttempts,
            timeouts: timeouts)
    }
}

extension RunConfig.Recipe {
    /// How `other` differs, in words (empty: the same rows).
    public func differences(from other: RunConfig.Recipe) -> [String] {
        var out: [String] = []
        func version(_ v: ServedVersion?) -> String { v.map { "version \($0.version)" } ?? "none" }
        if horizon != other.horizon { out.append("horizon \(horizon) (asked \(other.horizon))") }
        if frequency != other.frequency { out.append("frequency \(frequency.rawValue) (asked \(other.frequency.rawValue))") }
        if served != other.served { out.append("served \(version(served)) (asked \(version(other.served)))") }
        if model != other.model || selection != other.selection {
            out.append(
                "model \(model.argument)\(selection == nil ? "" : " per class") (asked \(other.model.argument)\(other.selection == nil ? "" : " per class"))")
        }
        if intervalLevel != other.intervalLevel { out.append("level \(intervalLevel) (asked \(other.intervalLevel))") }
        if inputSchema != other.inputSchema { out.append("input schema \(inputSchema) (asked \(other.inputSchema))") }
        if attributes != other.attributes { out.append("other --attributes") }
        if calibrationBacktestID != other.calibrationBacktestID {
            func cal(_ id: Int64?) -> String { id.map { "backtest \($0)'s calibration" } ?? "residual intervals" }
            out.append("\(cal(calibrationBacktestID)) (asked \(cal(other.calibrationBacktestID)))")
        }
        if shadow != other.shadow { out.append("shadow \(version(shadow)) (asked \(version(other.shadow)))") }
        return out
    }
}
