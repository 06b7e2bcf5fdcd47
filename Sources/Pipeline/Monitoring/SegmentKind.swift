import Postgres

/// How a group of series is cut in the monitor's profiles and drift results, the evaluation
/// views and a version's metrics: every series, or one category, region, demand class or
/// horizon. Stored as its name (`segment_kind`: `all`, `category`, `region`, `class`, `horizon`).
public enum SegmentKind: String, Codable, Sendable, CaseIterable, PostgresCodable {
    case all, category, region
    case demandClass = "class"
    case horizon

    public var postgresText: String { rawValue }
    public init?(postgresText: String) { self.init(rawValue: postgresText) }

    /// "all series", or the kind and the segment ("class fast").
    public func describing(_ segment: String) -> String { self == .all ? "all series" : "\(rawValue) \(segment)" }

    /// An alert's scope: `all`, or `class:fast`.
    public func scope(_ segment: String) -> String { self == .all ? "all" : "\(rawValue):\(segment)" }
}
