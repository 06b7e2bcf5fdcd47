import Foundation
import Forecasting
import GradientBoosting
import Postgres

/// The run-level step of a global model: read every series of the run as of its snapshot, train
/// once, store the artifact with its lineage in `forecast.model_artifacts`; workers load it.
public enum GlobalTraining {
    static func calendar(_ schema: SQLIdentifier, on connection: Connection) throws -> [(day: Int, holiday: Bool, event: String?)] {
        try connection.query(Query("SELECT ds, is_holiday, event FROM \(ident: schema).calendar ORDER BY ds")
            .named("global_calendar")).rows.map {
            (day: try $0.decode("ds", as: PostgresDate.self).unixDays, holiday: try $0.decode("is_holiday", as: Bool.self),
             event: try $0.decodeIfPresent("event", as: String.self))
        }
    }

    /// The attributes of a series the global model encodes.
    public struct Segment: Sendable {
        public var category = "?", region = "?", location = "?", family = "?"
        /// The configured extra attributes, as valid at the cutoff.
        public var attributes: [String: SeriesAttributes.Value] = [:]
    }

    /// The segments of a run's or a backtest's series (`chunk` nil: all), as planned at its cutoff.
    static func segments(_ source: SeriesReader.Source, id: Int64, chunk: Int?, on connection: Connection) throws -> [Int: Segment] {
        let from: Query = source == .run
            ? "FROM forecast.run_series WHERE run_id = "
            : "FROM forecast.backtest_series WHERE backtest_id = "
        var out: [Int: Segment] = [:]
        for row in try connection.query(Query("""
            SELECT series_no, coalesce(category, '?') AS category, coalesce(region, '?') AS region, location_id,
                   coalesce(family, '?') AS family, attributes::text AS attributes
            \(from)\(id) AND (\(chunk)::int IS NULL OR chunk = \(chunk)::int)
            """).named("series_segments")).rows {
            out[try row.decode("series_no")] = Segment(category: try row.decode("category"), region: try row.decode("region"),
                                                       location: try row.decode("location_id"), family: try row.decode("family"),
                                                       attributes: try SeriesAttributes.parse(try row.decodeIfPresent("attributes", as: String.self)))
        }
        return out
    }

    /// Value lists of the segments (a value's code is its position), with the attributes' string codes.
    static func codes(_ segments: some Collection<Segment>, attributes: [String],
                      attributeValues: [[String: SeriesAttributes.Value]]) -> Codes {
        func sorted(_ key: (Segment) -> String) -> [String] { Array(Set(segments.map(key))).sorted() }
        return Codes(categories: sorted(\.category), regions: sorted(\.region), locations: sorted(\.location),
                     families: sorted(\.family), attributes: attributes,
                     attributeCodes: SeriesAttributes.codes(attributes, values: attributeValues))
    }

    /// Trains and stores every global model the run uses; returns the artifact ids.
    public static func trainAndStore(runID: Int64, cutoff: PostgresDate, asOf: PostgresTimestamp, config: RunConfig,
                                     on connection: Connection) throws -> [Int64] {
        var reader = SeriesReader(runID: runID, cutoff: cutoff, asOf: asOf, frequency: config.frequency, schema: config.schema)
        reader.plannedInputs = true
        let chunks = try connection.query(Query("SELECT coalesce(max(chunk) + 1, 0) AS n FROM forecast.run_series WHERE run_id = \(runID)")
            .named("run_chunks")).first?.decode("n", as: Int.self) ?? 0
        let segments = try Self.segments(.run, id: runID, chunk: nil, on: connection)
        let codes = Self.codes(segments.values, attributes: config.attributes ?? [], attributeValues: segments.values.map(\.attributes))
        var globals: [GlobalSeries] = []
        for chunk in 0..<chunks {
            for s in try reader.read(chunk: chunk, on: connection) {
                globals.append(global(s, segment: segments[s.seriesNo] ?? Segment(), codes: codes, frequency: config.frequency))
            }
        }
        let models = config.globalModels.map {
            GlobalBoostedModel(horizon: config.horizon, frequency: config.frequency, objective: $0.objective ?? .tweedie)
        }
        guard let first = models.first else { return [] }
        // One set of training rows for every global model of the run (only their labels differ).
        let training = try first.prepare(globals, cutoffIndex: { $0.values.count - 1 },
                                         calendar: CalendarFacts(rows: try calendar(config.schema, on: connection)),
                                         predictionOrigins: [cutoff.unixDays], attributes: codes.attributes)
        return try models.map { model in
            try trainAndStore(model, training: training, runID: runID, cutoff: cutoff, asOf: asOf,
                              config: config, codes: codes, on: connection)
        }
    }

    static func trainAndStore(_ model: GlobalBoostedModel, training: TrainingSet, runID: Int64, cutoff: PostgresDate,
                              asOf: PostgresTimestamp, config: RunConfig, codes: Codes, on connection: Connection) throws -> Int64 {
        let (categories, regions, locations, families) = (codes.categories, codes.regions, codes.locations, codes.families)
        let trained = try model.train(training)
        let encodings = trained.encodings(level: config.intervalLevel, categories: categories, regions: regions,
                                          locations: locations, families: families, attributeCodes: codes.attributeCodes,
                                          predictionOrigin: cutoff.unixDays)
        let bytes = try trained.serialized()
        let hex = "\\x" + bytes.map { String(format: "%02x", $0) }.joined()
        let encodingsJSON = String(decoding: try JSONEncoder.sorted.encode(encodings), as: UTF8.self)
        var settings = Dictionary(model.parameters, uniquingKeysWith: { _, last in last })
        settings["rounds"] = String(model.rounds)
        let parameters = String(decoding: try JSONEncoder.sorted.encode(settings), as: UTF8.self)
        return try connection.query(Query("""
            INSERT INTO forecast.model_artifacts (run_id, model_name, format, artifact, md5, training_cutoff, as_of, features,
                                                  encodings, training_rows, parameters, code_version)
            VALUES (\(runID), \(model.name), 'xgboost-ubj', \(hex)::bytea, md5(\(hex)::bytea), \(cutoff), \(asOf),
                    \(encodings.features)::text[], \(encodingsJSON)::jsonb,
                    \(trained.trainingRows), \(parameters)::jsonb, \(CodeVersion.current))
            RETURNING id
            """).named("store_model_artifact")).first!.decode("id", as: Int64.self)
    }

    /// What a worker needs to predict with a run's stored model.
    public struct Predictor: Sendable {
        public let trained: GlobalBoostedModel.Trained
        public let encodings: GlobalBoostedModel.Encodings
        /// The encodings' value lists, built once per worker rather than once per series.
        let codes: Codes
    }

    /// Every global model the run uses, by name.
    public static func loadAll(runID: Int64, config: RunConfig, on connection: Connection) throws -> [String: Predictor] {
        var out: [String: Predictor] = [:]
        for spec in config.globalModels {
            let name = try spec.primaryName()
            out[name] = try load(runID: runID, name: name, schema: config.schema, on: connection)
        }
        return out
    }

    public static func load(runID: Int64, name: String, schema: SQLIdentifier, on connection: Connection) throws -> Predictor {
        guard let row = try connection.query(Query("""
            SELECT encode(artifact, 'hex') AS hex, encodings::text AS encodings FROM forecast.model_artifacts
            WHERE run_id = \(runID) AND model_name = \(name)
            """).named("load_model_artifact")).first else {
            throw PipelineError.configuration("run \(runID) has no trained \(name) artifact")
        }
        let hex = Array(try row.decode("hex", as: String.self).utf8)
        var bytes = [UInt8](repeating: 0, count: hex.count / 2)
        func nibble(_ c: UInt8) -> UInt8 { c <= 57 ? c - 48 : c - 87 }
        for i in 0..<bytes.count { bytes[i] = nibble(hex[2 * i]) << 4 | nibble(hex[2 * i + 1]) }
        let encodings = try JSONDecoder().decode(GlobalBoostedModel.Encodings.self, from: Data(try row.decode("encodings", as: String.self).utf8))
        return Predictor(trained: try GlobalBoostedModel.Trained(serialized: bytes, encodings: encodings,
                                                                 calendar: try calendar(schema, on: connection)),
                         encodings: encodings, codes: Codes(encodings))
    }

    /// Sorted value lists: a value's code is its position.
    struct Codes: Sendable {
        let categories: [String], regions: [String], locations: [String], families: [String]
        let attributes: [String], attributeCodes: [String: [String]]
        init(categories: [String], regions: [String], locations: [String], families: [String], attributes: [String] = [],
             attributeCodes: [String: [String]] = [:]) {
            self.categories = categories; self.regions = regions; self.locations = locations; self.families = families
            self.attributes = attributes; self.attributeCodes = attributeCodes
        }
        init(_ e: GlobalBoostedModel.Encodings) {
            self.init(categories: e.categories, regions: e.regions, locations: e.locations, families: e.families,
                      attributes: e.attributes, attributeCodes: e.attributeCodes)
        }
    }

    static func global(_ s: SeriesInput, segment: Segment, codes: Codes, frequency: Frequency) -> GlobalSeries {
        GlobalSeries(id: s.seriesNo, values: s.values, censored: s.censored, startDay: s.start.unixDays,
                     category: codes.categories.firstIndex(of: segment.category) ?? -1,
                     region: codes.regions.firstIndex(of: segment.region) ?? -1,
                     location: codes.locations.firstIndex(of: segment.location) ?? -1,
                     family: codes.families.firstIndex(of: segment.family) ?? -1, planned: s.planned,
                     frequency: frequency,
                     attributes: SeriesAttributes.encode(segment.attributes, names: codes.attributes, codes: codes.attributeCodes))
    }
}
