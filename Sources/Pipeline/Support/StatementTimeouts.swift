import Postgres

/// How long one statement of each class may run before the server cancels it (SQLSTATE 57014,
/// which the work queue retries like any transient failure): a wedged lock or a runaway plan
/// then fails one attempt with a clear error instead of holding a worker forever. Set on a
/// worker's connection before each class of work (`--statement-timeouts claim=15,read=300,...`).
public struct StatementTimeouts: Codable, Sendable, Equatable {
    public enum QueryClass: String, CaseIterable, Sendable {
        /// Queue bookkeeping: claim, heartbeat, complete, fail, counts.
        case claim
        /// Reading a work item's series and planned inputs.
        case read
        /// Writing a work item's forecast rows (COPY) and completing it.
        case write
        /// The publish step: output checks and the switch of `forecast.latest`.
        case publish
    }

    public var claim = 15.0, read = 300.0, write = 300.0, publish = 600.0

    public init() {}

    public subscript(_ c: QueryClass) -> Double {
        get {
            switch c {
            case .claim: return claim
            case .read: return read
            case .write: return write
            case .publish: return publish
            }
        }
        set {
            switch c {
            case .claim: claim = newValue
            case .read: read = newValue
            case .write: write = newValue
            case .publish: publish = newValue
            }
        }
    }

    /// `claim=15,read=300`: the classes named change, the others keep their defaults.
    public static func parse(_ text: String) throws -> StatementTimeouts {
        var out = StatementTimeouts()
        for part in text.split(separator: ",") {
            let kv = part.split(separator: "=", maxSplits: 1).map { String($0).trimmingCharacters(in: .whitespaces) }
            guard kv.count == 2, let c = QueryClass(rawValue: kv[0]), let seconds = Double(kv[1]) else {
                throw PipelineError.invalidArgument(
                    "--statement-timeouts takes CLASS=SECONDS pairs (classes: "
                        + QueryClass.allCases.map(\.rawValue).joined(separator: ", ") + "), got '\(part)'")
            }
            out[c] = seconds
        }
        try out.validate()
        return out
    }

    public func validate() throws {
        for c in QueryClass.allCases where !(self[c].isFinite && self[c] >= 0.001 && self[c] <= 86_400) {
            throw PipelineError.invalidSetting(.statementTimeouts, "\(c.rawValue) must be between 0.001 and 86400 seconds, got \(self[c])")
        }
    }
}

extension Connection {
    /// Sets this connection's statement timeout for a class of work (see `StatementTimeouts`).
    func prepare(for queryClass: StatementTimeouts.QueryClass, _ timeouts: StatementTimeouts) throws {
        try setStatementTimeout(seconds: timeouts[queryClass])
    }
}
