import Postgres

/// One data contract: a query in `sql/contracts/<name>.sql` returning the violating rows,
/// with a header of `-- key: value` lines (name, table, severity, owner, description, and
/// optionally `applies_to`).
public struct Contract: Sendable {
    public enum Severity: String, Sendable { case block, warn }
    /// What a contract guards: runs (and `check`) always; backtests unless it says `applies_to: runs`
    /// (a freshness rule guards a live feed, not a backtest of history).
    public enum Scope: String, Sendable { case all = "runs, backtests", runs }

    public let name: String
    public let table: String
    public let severity: Severity
    public let owner: String
    public let description: String
    public let scope: Scope
    /// The waiver that turns a violation of this (blocking) contract into a recorded warning
    /// (`-- waived_by: accept_empty_period`, given by `run --accept-empty-period`); nil: none.
    public let waiver: String?
    /// The waiver `--accept-empty-period` gives.
    public static let acceptEmptyPeriod = "accept_empty_period"
    /// The query body with `@placeholders` still in it.
    public let body: String
    public let file: String

    public init(file: String, text: String) throws {
        var header: [String: String] = [:]
        var bodyLines: [Substring] = []
        var inHeader = true
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if inHeader, line.hasPrefix("--") {
                let content = line.dropFirst(2)
                if let colon = content.firstIndex(of: ":") {
                    let key = content[..<colon].trimmed.lowercased()
                    header[key] = content[content.index(after: colon)...].trimmed
                }
                continue
            }
            inHeader = false
            bodyLines.append(line)
        }
        func required(_ key: String) throws -> String {
            guard let v = header[key], !v.isEmpty else {
                throw PipelineError.configuration("contract \(file) has no '-- \(key):' header line")
            }
            return v
        }
        name = try required("name")
        table = try required("table")
        guard let severity = Severity(rawValue: try required("severity")) else {
            throw PipelineError.configuration("contract \(file): severity must be block or warn, got \(header["severity"] ?? "")")
        }
        self.severity = severity
        owner = try required("owner")
        description = try required("description")
        guard let scope = Scope(rawValue: header["applies_to"] ?? Scope.all.rawValue) else {
            throw PipelineError.configuration("contract \(file): applies_to must be 'runs' or 'runs, backtests', got \(header["applies_to"] ?? "")")
        }
        self.scope = scope
        waiver = header["waived_by"].flatMap { $0.isEmpty ? nil : $0 }
        if let waiver, waiver != Self.acceptEmptyPeriod {
            throw PipelineError.configuration("contract \(file): waived_by must be \(Self.acceptEmptyPeriod), got \(waiver)")
        }
        body = bodyLines.joined(separator: "\n").trimmed.trimmingSuffix(";")
        guard !body.isEmpty else { throw PipelineError.configuration("contract \(file) has no query") }
        self.file = file
    }

    /// Loads every contract in `sql/contracts`, sorted by file name.
    public static func loadAll(from directory: SQLDirectory) throws -> [Contract] {
        let contracts = try directory.files(in: directory.contracts).map { try Contract(file: $0.name, text: $0.text) }
        var names = Set<String>()
        for c in contracts where !names.insert(c.name).inserted {
            throw PipelineError.configuration("two contracts are named \(c.name)")
        }
        return contracts
    }
}

extension StringProtocol {
    var trimmed: String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s = s.dropFirst() }
        while let l = s.last, l.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        var s = self
        while s.hasSuffix(suffix) { s = String(s.dropLast(suffix.count)).trimmed }
        return s
    }
}
