import Escaping

/// A Swift value that can be sent as a bind parameter (PostgreSQL text input format).
public protocol PostgresEncodable: Sendable {
    var postgresText: String { get }
}

/// A Swift value that can be read from a column in PostgreSQL's text output format.
public protocol PostgresDecodable: Sendable {
    init?(postgresText: String)
}

public typealias PostgresCodable = PostgresEncodable & PostgresDecodable

extension String: PostgresCodable {
    public var postgresText: String { self }
    public init?(postgresText: String) { self = postgresText }
}

extension Int: PostgresCodable {
    public var postgresText: String { String(self) }
    public init?(postgresText: String) { self.init(postgresText) }
}

extension Int32: PostgresCodable {
    public var postgresText: String { String(self) }
    public init?(postgresText: String) { self.init(postgresText) }
}

extension Int64: PostgresCodable {
    public var postgresText: String { String(self) }
    public init?(postgresText: String) { self.init(postgresText) }
}

extension Double: PostgresCodable {
    /// Swift's shortest round-trip representation; PostgreSQL parses it back to the same bits.
    public var postgresText: String {
        if isNaN { return "NaN" }
        if isInfinite { return self > 0 ? "Infinity" : "-Infinity" }
        return "\(self)"
    }
    public init?(postgresText: String) {
        switch postgresText {
        case "NaN": self = .nan
        case "Infinity": self = .infinity
        case "-Infinity": self = -.infinity
        default: self.init(postgresText)
        }
    }
}

extension Bool: PostgresCodable {
    public var postgresText: String { self ? "true" : "false" }
    public init?(postgresText: String) {
        switch postgresText {
        case "t", "true": self = true
        case "f", "false": self = false
        default: return nil
        }
    }
}

extension PostgresDate: PostgresCodable {
    public var postgresText: String { description }
    public init?(postgresText: String) { self.init(iso: postgresText) }
}

extension PostgresTimestamp: PostgresCodable {
    public var postgresText: String { description }
    public init?(postgresText: String) { self.init(text: postgresText) }
}

extension Array: PostgresEncodable where Element == String {
    /// A `text[]` literal with every element quoted (bind as `$n::text[]`), by `Escape.postgresArray`
    /// (on Unicode scalars: a quote followed by a combining mark is still escaped).
    public var postgresText: String { Escape.postgresArray(self) }
}
