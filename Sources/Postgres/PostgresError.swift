import Foundation

/// The one error type of the database layer.
///
/// `description` is one line that is safe to show a user (no SQL text, no bind values);
/// `debugDescription` adds the SQL and everything PostgreSQL reported.
public struct PostgresError: Error, CustomStringConvertible, CustomDebugStringConvertible, Sendable {
    public enum Kind: String, Sendable {
        /// Could not connect, or the connection broke.
        case connection
        /// The server rejected a statement.
        case server
        /// The server answered something this client did not expect.
        case protocolViolation = "protocol"
        /// A value could not be decoded into the requested Swift type.
        case decoding
    }

    public var kind: Kind
    public var sqlState: SQLState?
    public var message: String
    public var detail: String?
    public var hint: String?
    /// The name given to the failing query (`Query.named(_:)`), e.g. `claim_work_items`.
    public var queryName: String?
    /// The failing SQL, for `debugDescription` only.
    public var sql: String?

    public init(
        kind: Kind, sqlState: SQLState? = nil, message: String, detail: String? = nil,
        hint: String? = nil, queryName: String? = nil, sql: String? = nil
    ) {
        self.kind = kind
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
        self.hint = hint
        self.queryName = queryName
        self.sql = sql
    }

    /// Transient failures worth retrying: serialization failures, deadlocks, lost connections.
    public var isRetryable: Bool {
        if kind == .connection { return true }
        return sqlState?.isRetryable ?? false
    }

    public var description: String {
        var parts: [String] = []
        switch kind {
        case .connection: parts.append("cannot connect to PostgreSQL:")
        case .server: parts.append(queryName.map { "query \($0) failed:" } ?? "query failed:")
        case .protocolViolation: parts.append("unexpected answer from PostgreSQL:")
        case .decoding: parts.append(queryName.map { "cannot decode result of \($0):" } ?? "cannot decode result:")
        }
        if let sqlState { parts.append("[\(sqlState)]") }
        parts.append(message)
        if let detail, !detail.isEmpty { parts.append("(\(detail))") }
        return parts.joined(separator: " ")
    }

    public var debugDescription: String {
        var text = description
        if let hint { text += "\nhint: \(hint)" }
        if let sql { text += "\nsql: \(sql)" }
        return text
    }
}

extension PostgresError {
    /// libpq messages span several lines ("...failed: ...\n\tIs the server running...").
    /// Fold them into one line.
    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
            .joined(separator: "; ")
    }
}
