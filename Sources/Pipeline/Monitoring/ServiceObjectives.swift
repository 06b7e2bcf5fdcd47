import Foundation
import Postgres

/// The service and cost sections of the metrics contract (ops/metrics-contract.json), stored in
/// `forecast.service_objectives` / `forecast.source_objectives` where the views read them.
public struct ServiceObjectives: Decodable, Sendable {
    public struct Service: Decodable, Sendable {
        /// A PostgreSQL interval after the cutoff, e.g. "1 day 03:00".
        public let publishBy: String
        public let maxRunSeconds: Double
        enum CodingKeys: String, CodingKey { case publishBy = "publish_by", maxRunSeconds = "max_run_seconds" }
    }
    public struct Cost: Decodable, Sendable {
        public let cpuSecondsPer1000Series: Double
        public let maxBytesPerRun: Int64
        public let retentionDays: Int
        enum CodingKeys: String, CodingKey {
            case cpuSecondsPer1000Series = "cpu_seconds_per_1000_series", maxBytesPerRun = "max_bytes_per_run", retentionDays = "retention_days"
        }
    }

    public let service: [String: Service]
    public let inputMaxAge: [String: String]
    public let cost: [String: Cost]

    enum Keys: String, CodingKey { case service, cost }
    struct DynamicKey: CodingKey {
        var stringValue: String
        init?(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        let service = try c.nestedContainer(keyedBy: DynamicKey.self, forKey: .service)
        var s: [String: Service] = [:]
        var ages: [String: String] = [:]
        for key in service.allKeys {
            if key.stringValue == "input_max_age" {
                ages = try service.decode([String: String].self, forKey: key)
            } else {
                s[key.stringValue] = try service.decode(Service.self, forKey: key)
            }
        }
        self.service = s
        inputMaxAge = ages
        cost = try c.decode([String: Cost].self, forKey: .cost)
    }

    public static func load(_ path: String) throws -> ServiceObjectives {
        do {
            return try JSONDecoder().decode(ServiceObjectives.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw PipelineError.configuration("cannot read the service and cost objectives of \(path): \(error)")
        }
    }

    /// Stores the objectives (one transaction); returns the frequencies and sources set.
    public func apply(on connection: Connection) throws -> [String] {
        try connection.transaction { tx in
            var applied: [String] = []
            for (frequency, s) in service.sorted(by: { $0.key < $1.key }) {
                guard let c = cost[frequency] else {
                    throw PipelineError.configuration("the metrics contract has service objectives for \(frequency) but no cost budget")
                }
                try tx.execute(
                    Query(
                        """
                        INSERT INTO forecast.service_objectives (frequency, publish_by, max_run_seconds, cpu_seconds_per_1000_series,
                                                                 max_bytes_per_run, retention_days)
                        VALUES (\(frequency), \(s.publishBy)::interval, \(s.maxRunSeconds), \(c.cpuSecondsPer1000Series), \(c.maxBytesPerRun),
                                \(c.retentionDays))
                        ON CONFLICT (frequency) DO UPDATE SET publish_by = excluded.publish_by, max_run_seconds = excluded.max_run_seconds,
                            cpu_seconds_per_1000_series = excluded.cpu_seconds_per_1000_series,
                            max_bytes_per_run = excluded.max_bytes_per_run, retention_days = excluded.retention_days
                        """
                    ).named("apply_service_objective"))
                applied.append(frequency)
            }
            for (source, age) in inputMaxAge.sorted(by: { $0.key < $1.key }) {
                try tx.execute(
                    Query(
                        """
                        INSERT INTO forecast.source_objectives (source, max_age) VALUES (\(source), \(age)::interval)
                        ON CONFLICT (source) DO UPDATE SET max_age = excluded.max_age
                        """
                    ).named("apply_source_objective"))
                applied.append(source)
            }
            return applied
        }
    }

    /// `forecast.service_status` as text rows for the CLI: (frequency, fields).
    public static func status(on connection: Connection) throws -> [[String: String]] {
        try connection.query(
            Query(
                """
                SELECT frequency, coalesce(run_id::text, '-') AS run, coalesce(cutoff::text, '-') AS cutoff,
                       coalesce(to_char(published_at, 'YYYY-MM-DD HH24:MI'), '-') AS published,
                       coalesce(to_char(deadline, 'YYYY-MM-DD HH24:MI'), '-') AS deadline,
                       coalesce(met_deadline::text, '-') AS on_time, due_cutoff::text AS due, coalesce(due_cutoff_published::text, '-') AS due_published,
                       coalesce(round(extract(epoch FROM duration)::numeric, 1)::text, '-') AS seconds,
                       coalesce(cpu_seconds_per_1000_series::text, '-') || ' / ' || cpu_budget AS cpu,
                       coalesce(pg_size_pretty(bytes_stored), '-') || ' / ' || pg_size_pretty(max_bytes_per_run) AS bytes,
                       coalesce(inputs_fresh::text, '-') AS fresh, coalesce(ok::text, 'not in service') AS ok
                FROM forecast.service_status ORDER BY frequency
                """
            ).named("service_status")
        ).rows.map { row in
            var out: [String: String] = [:]
            for key in ["frequency", "run", "cutoff", "published", "deadline", "on_time", "due", "due_published", "seconds", "cpu", "bytes", "fresh", "ok"] {
                out[key] = try row.decode(key, as: String.self)
            }
            return out
        }
    }
}
