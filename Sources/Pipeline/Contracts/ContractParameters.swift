import Forecasting
import Foundation
import Postgres

/// The values a contract query may refer to. Each `@name` becomes a typed bind parameter
/// (`$n::date`); `@schema` becomes the quoted input schema. Only parameters a query uses are bound.
public struct ContractParameters: Sendable {
    public var cutoff: PostgresDate
    public var asOf: PostgresTimestamp
    public var horizon: Int
    public var frequency: Frequency
    public var staleSLAHours: Double
    public var minVolumeRatio: Double
    public var minLandedShare: Double
    public var schema: SQLIdentifier
    /// Waivers in force (`-- waived_by:` of a contract): a violated contract they name is recorded
    /// as waived and does not block.
    public var waivers: Set<String>

    public init(
        cutoff: PostgresDate, asOf: PostgresTimestamp, horizon: Int, frequency: Frequency,
        staleSLAHours: Double, minVolumeRatio: Double, minLandedShare: Double = RunConfig.defaultMinLandedShare,
        schema: SQLIdentifier, waivers: Set<String> = []
    ) {
        self.cutoff = cutoff
        self.asOf = asOf
        self.horizon = horizon
        self.frequency = frequency
        self.staleSLAHours = staleSLAHours
        self.minVolumeRatio = minVolumeRatio
        self.minLandedShare = minLandedShare
        self.schema = schema
        self.waivers = waivers
    }

    /// What a run (or `check`) with this config binds.
    public init(cutoff: PostgresDate, asOf: PostgresTimestamp, config: RunConfig) {
        self.init(
            cutoff: cutoff, asOf: asOf, horizon: config.horizon, frequency: config.frequency,
            staleSLAHours: config.staleSLAHours, minVolumeRatio: config.minVolumeRatio, minLandedShare: config.landedShare,
            schema: config.schema, waivers: config.acceptEmptyPeriod == true ? [Contract.acceptEmptyPeriod] : [])
    }

    /// (placeholder, SQL type, value). `@schema_name` (the schema as a text value) before `@schema` (the quoted identifier).
    var bindings: [(String, String, String)] {
        [
            ("@schema_name", "text", schema.name),
            ("@min_volume_ratio", "double precision", minVolumeRatio.postgresText),
            ("@min_landed_share", "double precision", minLandedShare.postgresText),
            ("@stale_sla", "interval", "\(staleSLAHours) hours"),
            ("@horizon", "integer", String(horizon)),
            ("@cutoff", "date", cutoff.postgresText),
            ("@as_of", "timestamptz", asOf.postgresText),
            ("@step", "interval", frequency.sqlInterval),
            ("@period_start", "date", frequency.periodStart(cutoff).postgresText),
            ("@frequency", "text", frequency.rawValue),
        ]
    }

    /// Rewrites a contract body into a parameterized query.
    public func render(_ body: String, name: String) throws -> Query {
        var sql = body
        var binds: [String?] = []
        for (placeholder, type, value) in bindings where sql.contains(placeholder) {
            binds.append(value)
            sql = sql.replacingOccurrences(of: placeholder, with: "$\(binds.count)::\(type)")
        }
        sql = sql.replacingOccurrences(of: "@schema", with: schema.rendered)
        if let at = sql.range(of: #"@[a-z_]+"#, options: .regularExpression) {
            throw PipelineError.configuration("contract \(name) uses unknown placeholder \(sql[at])")
        }
        return Query(unsafeSQL: sql, binds: binds, name: "contract \(name)")
    }
}
