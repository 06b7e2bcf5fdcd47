/// A five-character SQLSTATE code as reported by PostgreSQL (`PG_DIAG_SQLSTATE`).
///
/// The class (first two characters) decides whether an operation may be retried:
/// serialization failures and deadlocks (`40001`, `40P01`), connection problems (class `08`),
/// timeouts and insufficient resources are transient; integrity violations (class `23`) and data-contract violations are not.
public struct SQLState: Hashable, Sendable, CustomStringConvertible {
    public let code: String

    public init(_ code: String) { self.code = code }

    /// The two-character class, e.g. `23` for integrity constraint violations.
    public var sqlClass: String { String(code.prefix(2)) }

    public var description: String { code }

    /// Also retried: statement and lock timeouts (`57014`, `55P03`: the same query may well pass
    /// on a less busy server), a server shutting down or starting (`57P01`, `57P03`), and
    /// insufficient resources (class `53`: disk full, out of memory, too many connections).
    public var isRetryable: Bool {
        self == .serializationFailure || self == .deadlockDetected || sqlClass == "08"
            || self == .lockNotAvailable || self == .adminShutdown || self == .cannotConnectNow
            || self == .queryCanceled || sqlClass == "53"
    }

    public static let uniqueViolation = SQLState("23505")
    public static let foreignKeyViolation = SQLState("23503")
    public static let checkViolation = SQLState("23514")
    public static let notNullViolation = SQLState("23502")
    public static let serializationFailure = SQLState("40001")
    public static let deadlockDetected = SQLState("40P01")
    public static let lockNotAvailable = SQLState("55P03")
    public static let undefinedTable = SQLState("42P01")
    public static let undefinedColumn = SQLState("42703")
    public static let syntaxError = SQLState("42601")
    public static let insufficientPrivilege = SQLState("42501")
    public static let adminShutdown = SQLState("57P01")
    public static let cannotConnectNow = SQLState("57P03")
    public static let queryCanceled = SQLState("57014")
    public static let invalidTextRepresentation = SQLState("22P02")
}
