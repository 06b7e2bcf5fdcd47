import Postgres

/// A model's name as tables print it, backtests score it and selections store it:
/// `SeasonalNaive(7)`, `XGBoost[log]`, `Combination[XGBoost[log]+PriceRegression]`, `Selected`.
/// A value of its own so that a model name is never confused with a demand class, a metric or a
/// group's value; it encodes as the bare string, so stored JSON and columns read as before.
public struct ModelName: Hashable, Comparable, Sendable, Codable, CodingKeyRepresentable, CustomStringConvertible,
    ExpressibleByStringLiteral, PostgresCodable
{
    public let text: String

    public init(_ text: String) { self.text = text }
    public init(stringLiteral text: String) { self.text = text }

    /// The nested per-class selection scored like a model (`BacktestReport.addSelected`).
    public static let selected: ModelName = "Selected"

    public var description: String { text }
    public static func < (a: ModelName, b: ModelName) -> Bool { a.text < b.text }

    public init(from decoder: any Decoder) throws { text = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(text)
    }

    /// As a dictionary key the name is the JSON object's key (`VersionMetrics.coverage`), as when it was a `String`.
    public var codingKey: any CodingKey { Key(stringValue: text) }
    public init?<T: CodingKey>(codingKey: T) { text = codingKey.stringValue }
    private struct Key: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public var postgresText: String { text }
    public init?(postgresText: String) { text = postgresText }
}
