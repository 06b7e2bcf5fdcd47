import Forecasting
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
    /// The business section: a series is an exception when its 4-week forecast total misses its
    /// actual total by more than this share (`forecast.exceptions_4w`); nil: the stored one stays.
    public let exceptionTolerance: Double?
    /// The business section's horizons `evaluate` scores, per frequency (null: every horizon;
    /// `forecast.service_objectives.evaluated_horizons`); a frequency not named keeps its stored ones.
    public let evaluatedHorizons: [Frequency: [Int]?]

    struct Business: Decodable {
        let exceptionTolerance: Double?
        let evaluatedHorizons: [String: [Int]?]?
        enum CodingKeys: String, CodingKey { case exceptionTolerance = "exception_tolerance", evaluatedHorizons = "evaluated_horizons" }
    }

    enum Keys: String, CodingKey { case service, cost, business }
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
        let business = try c.decodeIfPresent(Business.self, forKey: .business)
        exceptionTolerance = business?.exceptionTolerance
        if let t = exceptionTolerance, !(t.isFinite && t > 0 && t <= 10) {
            throw PipelineError.configuration("business.exception_tolerance must be a share between 0 and 10, got \(t)")
        }
        var horizons: [Frequency: [Int]?] = [:]
        for (key, steps) in business?.evaluatedHorizons ?? [:] {
            guard let frequency = Frequency(rawValue: key) else {
                throw PipelineError.configuration("business.evaluated_horizons names \(key.debugDescription): a frequency is day or week")
            }
            if let steps, !EvaluatedHorizons.areSteps(steps) {
                throw PipelineError.configuration(
                    "business.evaluated_horizons.\(key) must list steps from 1 to 366 (null: every horizon), got \(steps)")
            }
            horizons.updateValue(steps.map { Array(Set($0)).sorted() }, forKey: frequency)  // a nil value stays: every horizon
        }
        evaluatedHorizons = horizons
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
        for frequency in evaluatedHorizons.keys where service[frequency.rawValue] == nil {
            throw PipelineError.configuration(
                "business.evaluated_horizons names \(frequency.rawValue), which has no service objectives in the metrics contract")
        }
        return try connection.transaction { tx in
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
                if let exceptionTolerance {
                    try tx.execute(
                        Query("UPDATE forecast.service_objectives SET exception_tolerance = \(exceptionTolerance) WHERE frequency = \(frequency)")
                            .named("apply_exception_tolerance"))
                }
                if let known = Frequency(rawValue: frequency), let steps = evaluatedHorizons[known] {
                    let parameter = steps.map { $0.map(String.init) }
                    try tx.execute(
                        Query(
                            """
                            UPDATE forecast.service_objectives SET evaluated_horizons = \(parameter)::text[]::int[] WHERE frequency = \(frequency)
                            """
                        ).named("apply_evaluated_horizons"))
                }
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

    /// `forecast.service_status` as a listing (the CLI's `objectives`, the report's section): the
    /// last published run per frequency against its deadline, CPU and size budgets.
    public static func status(on connection: Connection) throws -> Listing {
        let rows = try connection.query(
            Query(
                """
                SELECT frequency, run_id, cutoff::text, to_char(published_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') AS published,
                       to_char(deadline AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') AS deadline, met_deadline, due_cutoff::text AS due,
                       due_cutoff_published, extract(epoch FROM duration)::float8 AS seconds, cpu_seconds_per_1000_series::float8 AS cpu,
                       cpu_budget::float8 AS cpu_budget, bytes_stored, max_bytes_per_run, inputs_fresh, ok
                FROM forecast.service_status ORDER BY frequency
                """
            ).named("service_status"))
        var listing = Listing(
            "objectives",
            columns: [
                .init("frequency"), .init("run"), .init("cutoff"), .init("published_at", "published (UTC)"), .init("deadline", "deadline (UTC)"),
                .init("on_time", "on time"), .init("due_cutoff", "due cutoff"), .init("due_cutoff_published", "published"),
                .init("duration_seconds", "seconds"), .init("cpu_seconds_per_1000_series", "CPU s/1k series"), .init("cpu_budget", "budget"),
                .init("bytes_stored", "bytes"), .init("max_bytes_per_run", "budget"), .init("inputs_fresh", "inputs fresh"), .init("ok"),
            ])
        func flag(_ b: Bool?, missing: String = "-") -> Listing.Cell { b.map { .flag($0, shown: String($0)) } ?? .missing(shown: missing) }
        for r in rows.rows {
            listing.add([
                .text(try r.decode("frequency", as: String.self)), (try r.decodeIfPresent("run_id", as: Int.self)).map { .integer($0) } ?? .missing(shown: "-"),
                .text(try r.decodeIfPresent("cutoff", as: String.self)), .text(try r.decodeIfPresent("published", as: String.self)),
                .text(try r.decodeIfPresent("deadline", as: String.self)), flag(try r.decodeIfPresent("met_deadline", as: Bool.self)),
                .text(try r.decodeIfPresent("due", as: String.self)), flag(try r.decodeIfPresent("due_cutoff_published", as: Bool.self)),
                .duration(try r.decodeIfPresent("seconds", as: Double.self)), .number(try r.decodeIfPresent("cpu", as: Double.self), digits: 2),
                .number(try r.decodeIfPresent("cpu_budget", as: Double.self), digits: 2),
                .bytes(try r.decodeIfPresent("bytes_stored", as: Int.self)), .bytes(try r.decodeIfPresent("max_bytes_per_run", as: Int.self)),
                flag(try r.decodeIfPresent("inputs_fresh", as: Bool.self)), flag(try r.decodeIfPresent("ok", as: Bool.self), missing: "not in service"),
            ])
        }
        return listing
    }
}
