import Forecasting
import Foundation
import GradientBoosting
import Postgres

/// The run-level step of a global model: read every series of the run as of its snapshot, train
/// once, store the artifact with its lineage in `forecast.model_artifacts`; workers load it.
public enum GlobalTraining {
    static func calendar(_ schema: SQLIdentifier, on connection: Connection) throws -> [(day: Int, holiday: Bool, event: String?)] {
        try connection.query(
            Query("SELECT ds, is_holiday, event FROM \(ident: schema).calendar ORDER BY ds")
                .named("global_calendar")
        ).rows.map {
            (
                day: try $0.decode("ds", as: PostgresDate.self).unixDays, holiday: try $0.decode("is_holiday", as: Bool.self),
                event: try $0.decodeIfPresent("event", as: String.self)
            )
        }
    }

    /// The attributes of a series the global model encodes.
    public struct Segment: Sendable {
        public var category = "?", region = "?", location = "?", family = "?", item = "?"
        /// The configured extra attributes, as valid at the cutoff.
        public var attributes: [String: SeriesAttributes.Value] = [:]
    }

    /// The segments of a run's or a backtest's series (`chunk` nil: all), as planned at its cutoff.
    static func segments(_ source: SeriesReader.Source, id: Int64, chunk: Int?, on connection: Connection) throws -> [Int: Segment] {
        let from: Query =
            source == .run
            ? "FROM forecast.run_series WHERE run_id = "
            : "FROM forecast.backtest_series WHERE backtest_id = "
        var out: [Int: Segment] = [:]
        for row in try connection.query(
            Query(
                """
                SELECT series_no, item_id, coalesce(category, '?') AS category, coalesce(region, '?') AS region, location_id,
                       coalesce(family, '?') AS family, attributes::text AS attributes
                \(from)\(id) AND (\(chunk)::int IS NULL OR chunk = \(chunk)::int)
                """
            ).named("series_segments")
        ).rows {
            out[try row.decode("series_no")] = Segment(
                category: try row.decode("category"), region: try row.decode("region"),
                location: try row.decode("location_id"), family: try row.decode("family"),
                item: try row.decode("item_id"),
                attributes: try SeriesAttributes.parse(try row.decodeIfPresent("attributes", as: String.self)))
        }
        return out
    }

    /// Value lists of the segments (a value's code is its position), with the attributes' string codes.
    static func codes(
        _ segments: some Collection<Segment>, attributes: [String],
        attributeValues: [[String: SeriesAttributes.Value]]
    ) -> Codes {
        func sorted(_ key: (Segment) -> String) -> [String] { ExactCodes(distinct: segments.map(key)).values }
        return Codes(
            categories: sorted(\.category), regions: sorted(\.region), locations: sorted(\.location),
            families: sorted(\.family), items: sorted(\.item), attributes: attributes,
            attributeCodes: SeriesAttributes.codes(attributes, values: attributeValues))
    }

    /// Whose artifact: a run's own (trained for it) or a registered model version's (reused by every run serving it).
    public enum ArtifactOwner: Sendable, Equatable {
        case run(Int64), version(Int64)
    }

    /// Every series of a run or backtest snapshot as the global model sees it, read up to `cutoff`.
    /// `codes` nil: coded from the snapshot's own segments (training); else a stored model's codes.
    static func collect(
        _ source: SeriesReader.Source, id: Int64, cutoff: PostgresDate, asOf: PostgresTimestamp,
        frequency: Frequency, schema: SQLIdentifier, attributes: [String], codes given: Codes? = nil,
        on connection: Connection
    ) throws -> (series: [GlobalSeries], codes: Codes) {
        var reader = SeriesReader(runID: id, cutoff: cutoff, asOf: asOf, frequency: frequency, schema: schema, source: source)
        reader.plannedInputs = true
        let chunks =
            try connection.query(
                Query(
                    """
                    SELECT coalesce(max(chunk) + 1, 0) AS n FROM \(source.table) WHERE \(source.owner) = \(id)
                    """
                ).named("snapshot_chunks")
            ).first?.decode("n", as: Int.self) ?? 0
        let segments = try Self.segments(source, id: id, chunk: nil, on: connection)
        let codes = given ?? Self.codes(segments.values, attributes: attributes, attributeValues: segments.values.map(\.attributes))
        var globals: [GlobalSeries] = []
        for chunk in 0..<chunks {
            for s in try reader.read(chunk: chunk, on: connection) {
                globals.append(global(s, segment: segments[s.seriesNo] ?? Segment(), codes: codes, frequency: frequency))
            }
        }
        return (globals, codes)
    }

    /// A trained global model ready to store: the booster bytes and what it needs to predict.
    struct Artifact: Sendable {
        let name: String
        let bytes: [UInt8]
        let encodings: GlobalBoostedModel.Encodings
        let trainingRows: Int
        let parameters: String
    }

    /// Trains `specs` on one snapshot (one set of training rows: only their labels differ) at `cutoff`.
    /// `progress`: lines for people (what is being built or fitted, and how far it got).
    static func train(
        _ specs: [ModelSpec], source: SeriesReader.Source, id: Int64, cutoff: PostgresDate, asOf: PostgresTimestamp,
        horizon: Int, frequency: Frequency, level: Double, schema: SQLIdentifier, attributes: [String],
        progress: ((String) -> Void)? = nil, on connection: Connection
    ) throws -> [Artifact] {
        let models = specs.map { GlobalBoostedModel(horizon: horizon, frequency: frequency, objective: $0.objective ?? .tweedie) }
        guard !models.isEmpty else { return [] }
        let (globals, codes) = try collect(
            source, id: id, cutoff: cutoff, asOf: asOf, frequency: frequency, schema: schema,
            attributes: attributes, on: connection)
        // One set of training rows per feature set (the categorical booster's rows carry two more
        // columns, typed for XGBoost), built when the first model that needs it is fitted.
        let facts = CalendarFacts(rows: try calendar(schema, on: connection))
        var sets: [FeatureSet: TrainingSet] = [:]
        return try models.map { model in
            if sets[model.featureSet] == nil {
                progress?("building training rows (\(globals.count) series up to \(cutoff))")
                sets[model.featureSet] = try model.prepare(
                    globals, cutoffIndex: { $0.values.count - 1 }, calendar: facts,
                    predictionOrigins: [cutoff.unixDays], attributes: codes.attributes)
            }
            let training = sets[model.featureSet]!
            progress?("fitting \(model.name) on \(training.rows) rows from \(training.originCounts.summary)")
            let trained = try model.train(training, progress: progress.map { say in { say("\(model.name): \($0)") } })
            let encodings = trained.encodings(
                level: level, categories: codes.categories, regions: codes.regions,
                locations: codes.locations, families: codes.families,
                attributeCodes: codes.attributeCodes, items: codes.items, predictionOrigin: cutoff.unixDays)
            var settings = Dictionary(trained.parameters, uniquingKeysWith: { _, last in last })
            settings["rounds"] = String(model.schedule(rows: trained.trainingRows).rounds)
            return Artifact(
                name: model.name, bytes: try trained.serialized(), encodings: encodings,
                trainingRows: trained.trainingRows,
                parameters: String(decoding: try JSONEncoder.sorted.encode(settings), as: UTF8.self))
        }
    }

    /// Trains and stores every global model the run uses; returns the artifact ids.
    /// `progress`: lines for people, as `train` gives them.
    public static func trainAndStore(_ run: RunContext, progress: ((String) -> Void)? = nil, on connection: Connection) throws -> [Int64] {
        let (runID, cutoff, asOf, config) = (run.id, run.cutoff, run.asOf, run.config)
        return try train(
            config.globalModels, source: .run, id: runID, cutoff: cutoff, asOf: asOf, horizon: config.horizon,
            frequency: config.frequency, level: config.intervalLevel, schema: config.schema,
            attributes: config.attributes ?? [], progress: progress, on: connection
        ).map {
            try store($0, owner: .run(runID), cutoff: cutoff, asOf: asOf, on: connection)
        }
    }

    /// Stores an artifact with its lineage; the feature-schema hash is what loaders compare against.
    static func store(
        _ artifact: Artifact, owner: ArtifactOwner, cutoff: PostgresDate, asOf: PostgresTimestamp,
        on connection: Connection
    ) throws -> Int64 {
        let hex = "\\x" + artifact.bytes.map { String(format: "%02x", $0) }.joined()
        let encodingsJSON = String(decoding: try JSONEncoder.sorted.encode(artifact.encodings), as: UTF8.self)
        let (runID, versionID): (Int64?, Int64?) = {
            switch owner {
            case .run(let id): return (id, nil)
            case .version(let id): return (nil, id)
            }
        }()
        return try connection.query(
            Query(
                """
                INSERT INTO forecast.model_artifacts (run_id, model_version_id, model_name, format, artifact, md5, training_cutoff,
                                                      as_of, features, feature_schema_hash, encodings, training_rows, parameters,
                                                      code_version)
                VALUES (\(runID), \(versionID), \(artifact.name), \(ArtifactCheck.format), \(hex)::bytea, md5(\(hex)::bytea),
                        \(cutoff), \(asOf), \(artifact.encodings.features)::text[],
                        md5(array_to_string(\(artifact.encodings.features)::text[], \("\n"))), \(encodingsJSON)::jsonb,
                        \(artifact.trainingRows), \(artifact.parameters)::jsonb, \(CodeVersion.current))
                RETURNING id
                """
            ).named("store_model_artifact")
        ).first!.decode("id", as: Int64.self)
    }

    /// Value lists in byte order (`ExactCodes`): a value's code is its position.
    struct Codes: Sendable {
        let category: ExactCodes, region: ExactCodes, location: ExactCodes, family: ExactCodes
        /// Items: the categorical booster's codes.
        let item: ExactCodes
        let attributes: [String], attributeCodes: [String: [String]]
        var categories: [String] { category.values }
        var regions: [String] { region.values }
        var locations: [String] { location.values }
        var families: [String] { family.values }
        var items: [String] { item.values }
        init(
            categories: [String], regions: [String], locations: [String], families: [String], items: [String] = [],
            attributes: [String] = [], attributeCodes: [String: [String]] = [:]
        ) {
            category = ExactCodes(stored: categories)
            region = ExactCodes(stored: regions)
            location = ExactCodes(stored: locations)
            family = ExactCodes(stored: families)
            item = ExactCodes(stored: items)
            self.attributes = attributes
            self.attributeCodes = attributeCodes
        }
        init(_ e: GlobalBoostedModel.Encodings) {
            self.init(
                categories: e.categories, regions: e.regions, locations: e.locations, families: e.families,
                items: e.items ?? [], attributes: e.attributes, attributeCodes: e.attributeCodes)
        }
    }

    static func global(_ s: SeriesInput, segment: Segment, codes: Codes, frequency: Frequency) -> GlobalSeries {
        GlobalSeries(
            id: s.seriesNo, values: s.values, censored: s.censored, startDay: s.start.unixDays,
            category: codes.category.code(segment.category) ?? -1,
            region: codes.region.code(segment.region) ?? -1,
            location: codes.location.code(segment.location) ?? -1,
            family: codes.family.code(segment.family) ?? -1, item: codes.item.code(s.itemID) ?? -1, planned: s.planned,
            frequency: frequency,
            attributes: SeriesAttributes.encode(segment.attributes, names: codes.attributes, codes: codes.attributeCodes))
    }
}
