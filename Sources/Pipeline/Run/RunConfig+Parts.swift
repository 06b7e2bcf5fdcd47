import Forecasting
import Foundation

/// A run's configuration in its three parts: the recipe (what decides the rows), the checks (the
/// data contracts' parameters) and the operations (how the work is done, never a row). Each part
/// is stored in a column of its own (`runs.recipe`, `runs.checks`, `runs.operations`, migration
/// 035, with the same keys as `runs.config`), so a DBA can ask which runs made rows the same way
/// without knowing which settings are operational; `runs.config` keeps the whole, as the workers read it.
extension RunConfig {
    /// What decides the published rows: from the same snapshot, two runs with the same recipe
    /// publish the same rows (side rows of the shadow included).
    public struct Recipe: Codable, Equatable, Sendable {
        public var horizon: Int
        public var frequency: Frequency
        public var model: ModelSpec
        public var selection: [SelectionSegment: ModelSpec]?
        public var intervalLevel: Double
        public var quantileLevels: [Double]?
        public var inputSchema: String
        public var attributes: [String]
        public var calibrationBacktestID: Int64?
        public var served: ServedVersion?
        public var shadow: ServedVersion?
    }

    /// The data contracts' parameters: whether the run may start, never what it writes.
    public struct Checks: Codable, Equatable, Sendable {
        public var staleSLAHours: Double
        public var minVolumeRatio: Double
        public var minLandedShare: Double?
        public var acceptEmptyPeriod: Bool?
    }

    /// How the work is done: the same rows whatever these are.
    public struct Operations: Codable, Equatable, Sendable {
        public var chunkSize: Int
        public var leaseSeconds: Double
        public var heartbeatSeconds: Double
        public var maxAttempts: Int
        /// nil: the defaults (`StatementTimeouts()`), as in `runs.config`.
        public var statementTimeouts: StatementTimeouts?
    }

    public var recipe: Recipe {
        Recipe(
            horizon: horizon, frequency: frequency, model: model, selection: selection, intervalLevel: intervalLevel,
            quantileLevels: quantileLevels, inputSchema: inputSchema, attributes: attributes ?? [], calibrationBacktestID: calibrationBacktestID,
            served: served, shadow: shadow?.version)
    }

    public var checks: Checks {
        Checks(staleSLAHours: staleSLAHours, minVolumeRatio: minVolumeRatio, minLandedShare: minLandedShare, acceptEmptyPeriod: acceptEmptyPeriod)
    }

    public var operations: Operations {
        Operations(
            chunkSize: chunkSize, leaseSeconds: leaseSeconds, heartbeatSeconds: heartbeatSeconds, maxAttempts: maxAttempts,
            statementTimeouts: statementTimeouts)
    }

    /// The three parts as stored (`runs.recipe`, `runs.checks`, `runs.operations`): JSON with sorted keys.
    func partsJSON() throws -> (recipe: String, checks: String, operations: String) {
        func json(_ value: some Encodable) throws -> String { String(decoding: try JSONEncoder.sorted.encode(value), as: UTF8.self) }
        return (try json(recipe), try json(checks), try json(operations))
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
        if quantileLevels != other.quantileLevels {
            func list(_ l: [Double]?) -> String { l.map { $0.map { "\($0)" }.joined(separator: ",") } ?? "none" }
            out.append("levels \(list(quantileLevels)) (asked \(list(other.quantileLevels)))")
        }
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
