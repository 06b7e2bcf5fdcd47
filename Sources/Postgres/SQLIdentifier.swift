import Foundation

/// An SQL identifier (schema, table or column name) that came from configuration.
///
/// The only way to put such a name into SQL text: `rendered` double-quotes it and doubles any
/// embedded quote, so `demand"; drop table x; --` stays one harmless identifier.
public struct SQLIdentifier: Hashable, Sendable, CustomStringConvertible {
    public let name: String

    public init(_ name: String) { self.name = name }

    /// `"name"` with embedded quotes doubled (PostgreSQL's quote_ident rules, always quoted).
    public var rendered: String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// `"schema"."table"`.
    public static func qualified(_ schema: SQLIdentifier, _ table: String) -> String {
        schema.rendered + "." + SQLIdentifier(table).rendered
    }

    public var description: String { rendered }
}
