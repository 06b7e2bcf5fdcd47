import Postgres

/// One data contract: a query in `sql/contracts/<name>.sql` returning the violating rows,
/// with a header of `-- key: value` lines (name, table, severity, owner, description).
public struct Contract: Sendable {
    public enum Severity: String, Sendable { case block, warn }

    public let name: String
    public let table: String
    public let severity: Severity
    public let owner: String
    public let description: String
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
