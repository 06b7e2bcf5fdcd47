import Escaping
import Foundation

/// A table a command prints, with stable field names: aligned text for people, JSON or CSV for
/// scripts (`--format`). A cell keeps its type (JSON numbers, booleans, null) beside the text a
/// person reads (`18.4%`, `-`), so the two outputs cannot drift: both come from one value.
///
/// Field names are snake_case and part of the interface: a script that reads `wape` keeps working
/// when the text header changes. Every string goes through the escaping of its output
/// (`Escape.json`, `Escape.csvField`; the text table through `Escape.terminal`).
public struct Listing: Sendable {
    public struct Column: Sendable, Equatable {
        /// The field name in JSON and the CSV header.
        public let key: String
        /// The text table's header.
        public let header: String

        public init(_ key: String, _ header: String? = nil) {
            self.key = key
            self.header = header ?? key
        }
    }

    /// One value: its type for JSON and CSV, its text for people.
    public enum Cell: Sendable, Equatable {
        case text(String)
        /// A text value people read with more beside it (`running` shown as `running (idle 5 s)`).
        case term(String, shown: String)
        case integer(Int)
        /// A number with the text people read (`18.4%` for 0.184); not finite: JSON null.
        case number(Double, shown: String)
        case flag(Bool, shown: String)
        /// No value: JSON null, an empty CSV field, `shown` in the text table.
        case missing(shown: String)

        /// `text`, or `-` when nil.
        public static func text(_ s: String?) -> Cell { s.map { .text($0) } ?? .missing(shown: "-") }
        /// A long text (an error) whole for scripts, its first 57 characters and `...` for people
        /// past 60; nil: empty.
        public static func clipped(_ s: String?) -> Cell {
            s.map { .term($0, shown: $0.count > 60 ? String($0.prefix(57)) + "..." : $0) } ?? .missing(shown: "")
        }
        /// A fraction shown as a percentage (`0.184` → `18.4%`); nil or not finite: missing.
        public static func percent(_ x: Double?, digits: Int = 1) -> Cell {
            guard let x, x.isFinite else { return .missing(shown: "-") }
            return .number(x, shown: fixed(100 * x, digits) + "%")
        }
        /// A length of time in seconds, shown as people read it (`45 s`, `12 min`, `3 h 05 min`,
        /// `2 d 04 h`); a negative one (a load stamped ahead of the clock) says so, `in 3 h 05 min`,
        /// instead of PostgreSQL's `-368 days -00:05:47.382092`.
        public static func duration(_ seconds: Double?) -> Cell {
            guard let seconds, seconds.isFinite else { return .missing(shown: "-") }
            return .number(seconds, shown: durationText(seconds))
        }
        /// Bytes, shown in one unit for every row (MB with one decimal), not a mix of kB and MB.
        public static func bytes(_ n: Int?) -> Cell {
            guard let n else { return .missing(shown: "-") }
            return .number(Double(n), shown: fixed(Double(n) / 1_048_576, 1) + " MB")
        }

        public static func durationText(_ seconds: Double) -> String {
            if seconds < 0 { return "in " + durationText(-seconds) }
            if seconds < 9.95 { return fixed(seconds, 1) + " s" }
            let s = Int(seconds.rounded())
            func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
            switch s {
            case ..<60: return "\(s) s"
            case ..<3600: return "\(s / 60) min"
            case ..<86_400: return "\(s / 3600) h \(two(s % 3600 / 60)) min"
            default: return "\(s / 86_400) d \(two(s % 86_400 / 3600)) h"
            }
        }

        /// A number with `digits` decimals in the text; nil or not finite: missing.
        public static func number(_ x: Double?, digits: Int) -> Cell {
            guard let x, x.isFinite else { return .missing(shown: "-") }
            return .number(x, shown: fixed(x, digits))
        }

        /// What the text table shows.
        public var shown: String {
            switch self {
            case .text(let s): return s
            case .integer(let n): return String(n)
            case .term(_, let shown), .number(_, let shown), .flag(_, let shown), .missing(let shown): return shown
            }
        }

        /// A JSON value: a string literal, a number, `true`/`false` or `null`.
        public var json: String {
            switch self {
            case .text(let s), .term(let s, _): return Escape.json(s)
            case .integer(let n): return String(n)
            case .number(let x, _): return Self.plain(x) ?? "null"
            case .flag(let b, _): return b ? "true" : "false"
            case .missing: return "null"
            }
        }

        /// A CSV field: text escaped (and kept from being read as a formula), numbers as JSON has them.
        public var csv: String {
            switch self {
            case .text(let s), .term(let s, _): return Escape.csvField(s)
            case .number(let x, _): return Self.plain(x) ?? ""
            case .integer, .flag: return json
            case .missing: return ""
            }
        }

        /// A finite number as JSON writes it: whole numbers without a fraction (`1024`, not
        /// `1024.0`), others in Swift's shortest form that reads back exactly (`0.184`, `1e-05`).
        static func plain(_ x: Double) -> String? {
            guard x.isFinite else { return nil }
            if x == x.rounded(), abs(x) < 9.0e15 { return String(Int64(x)) }
            return "\(x)"
        }

        public static func fixed(_ x: Double, _ digits: Int) -> String { String(format: "%.\(max(0, digits))f", x) }
    }

    /// The listing's name: its key when a command prints several as one JSON object.
    public let name: String
    public let columns: [Column]
    public private(set) var rows: [[Cell]] = []

    public init(_ name: String, columns: [Column]) {
        self.name = name
        self.columns = columns
    }

    /// Adds a row; it must have one cell per column.
    public mutating func add(_ row: [Cell]) {
        precondition(row.count == columns.count, "listing \(name): \(row.count) cells for \(columns.count) columns")
        rows.append(row)
    }

    /// An array of objects, one per row, fields in column order; one line per row.
    public var json: String {
        let objects = rows.map { row in
            "{" + zip(columns, row).map { "\(Escape.json($0.key)): \($1.json)" }.joined(separator: ", ") + "}"
        }
        return objects.isEmpty ? "[]" : "[\n  " + objects.joined(separator: ",\n  ") + "\n]"
    }

    /// JSON lines: one object per row, one row per line, no enclosing array, so that a consumer can
    /// read rows as they come (`jq -c`, a loader's line reader). A value's line breaks are escaped.
    public var jsonLines: String {
        rows.map { row in "{" + zip(columns, row).map { "\(Escape.json($0.key)):\($1.json)" }.joined(separator: ",") + "}" }
            .joined(separator: "\n")
    }

    /// A header line of field names, then one line per row (CRLF-free: `\n`).
    public var csv: String {
        ([columns.map { Escape.csvField($0.key) }.joined(separator: ",")] + rows.map { $0.map(\.csv).joined(separator: ",") })
            .joined(separator: "\n")
    }

    /// Several listings as one JSON object keyed by their names, in order (one listing: its array).
    public static func json(_ listings: [Listing]) -> String {
        guard listings.count != 1 else { return listings[0].json }
        let members = listings.map {
            "  \(Escape.json($0.name)): " + $0.json.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\n  ")
        }
        return members.isEmpty ? "{}" : "{\n" + members.joined(separator: ",\n") + "\n}"
    }
}
