import Postgres

/// One run as each of its steps sees it: its id, cutoff, as-of time and resolved configuration
/// (`RunResolution`), the values that used to travel as four loose parameters.
public struct RunContext: Sendable {
    public let id: Int64
    public let cutoff: PostgresDate
    public let asOf: PostgresTimestamp
    public let config: RunConfig

    public init(id: Int64, cutoff: PostgresDate, asOf: PostgresTimestamp, config: RunConfig) {
        self.id = id
        self.cutoff = cutoff
        self.asOf = asOf
        self.config = config
    }
}
