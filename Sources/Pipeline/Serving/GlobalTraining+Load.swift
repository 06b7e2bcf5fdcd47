import Forecasting
import Foundation
import GradientBoosting
import Postgres

/// The one format this build writes and reads: XGBoost's universal binary JSON (libxgboost 1.7).
enum ArtifactCheck {
    static let format = "xgboost-ubj"
}

/// A stored artifact that does not match what this build of the pipeline produces: its bytes
/// changed since they were stored (checksum), it is in another format, or its feature list is not
/// the one the code builds now (feature-schema hash). Never used to predict.
public struct ArtifactRefused: Error, CustomStringConvertible, Sendable {
    public let artifact: String
    public let reason: String
    public var description: String { "\(artifact) refused: \(reason)" }
}

extension GlobalTraining {
    /// What a worker needs to predict with a stored model.
    public struct Predictor: Sendable {
        public let trained: GlobalBoostedModel.Trained
        public let encodings: GlobalBoostedModel.Encodings
        /// The encodings' value lists, built once per worker rather than once per series.
        let codes: Codes
    }

    /// Every global model the run uses, by name: the run's own artifacts, or those of the model
    /// version it serves (with the inputs prepared for this run, `run_model_inputs`).
    public static func loadAll(runID: Int64, config: RunConfig, on connection: Connection) throws -> [ModelName: Predictor] {
        var out: [ModelName: Predictor] = [:]
        let owner: ArtifactOwner = config.served.map { .version($0.id) } ?? .run(runID)
        for spec in config.globalModels {
            let name = try spec.primaryName()
            out[name] = try load(owner, name: name, runInputs: runID, schema: config.schema, on: connection)
        }
        return out
    }

    /// Loads and verifies one artifact; throws `ArtifactRefused` when it must not be used.
    /// `artifactPrices` false: the competing prices stored with the artifact (its training
    /// origin's, as large as a run's) are not read, for a caller that prepares a run's own.
    public static func load(
        _ owner: ArtifactOwner, name: ModelName, runInputs runID: Int64?, schema: SQLIdentifier,
        artifactPrices: Bool = true, on connection: Connection
    ) throws -> Predictor {
        let (column, id, what): (Query, Int64, String) = {
            switch owner {
            case .run(let id): return ("run_id", id, "run \(id)'s \(name) artifact")
            case .version(let id): return ("model_version_id", id, "the \(name) artifact of model version id \(id)")
            }
        }()
        guard
            let row = try connection.query(
                Query(
                    """
                    SELECT a.format, encode(a.artifact, 'hex') AS hex, to_json(a.features)::text AS features,
                           md5(a.artifact) = a.md5 AS intact, a.feature_schema_hash, i.category_prices::text AS prices,
                           i.run_id IS NOT NULL AS prepared, a.model_version_id,
                           -- The run's own competing prices replace the artifact's: not decoded twice.
                           (CASE WHEN i.run_id IS NULL AND \(artifactPrices) THEN a.encodings
                                 ELSE jsonb_set(a.encodings, '{categoryPrices}', '{"table": {}}') END)::text AS encodings
                    FROM forecast.model_artifacts a
                    LEFT JOIN forecast.run_model_inputs i
                      ON i.run_id = \(runID) AND i.model_version_id = a.model_version_id AND i.model_name = a.model_name
                    WHERE a.\(column) = \(id) AND a.model_name = \(name)
                    """
                ).named("load_model_artifact")
            ).first
        else {
            throw PipelineError.configuration("\(what) does not exist")
        }
        guard try row.decode("intact", as: Bool.self) else {
            throw ArtifactRefused(artifact: what, reason: "its bytes do not match the checksum stored with them (md5)")
        }
        let format = try row.decode("format", as: String.self)
        guard format == ArtifactCheck.format else {
            throw ArtifactRefused(artifact: what, reason: "format '\(format)' is not the one this build reads (\(ArtifactCheck.format))")
        }
        var encodings: GlobalBoostedModel.Encodings
        do {
            encodings = try JSONDecoder().decode(GlobalBoostedModel.Encodings.self, from: Data(try row.decode("encodings", as: String.self).utf8))
        } catch {
            throw ArtifactRefused(artifact: what, reason: "its encodings cannot be read by this build: \(error)")
        }
        // The features this code builds for the artifact's data layout, compared with what it was trained on.
        let expected = FeatureSpec(
            frequency: encodings.frequency, promoTypes: encodings.promoTypes, attributes: encodings.attributes,
            featureSet: encodings.featureSet ?? .base
        ).names
        let stored = try JSONDecoder().decode([String].self, from: Data(try row.decode("features", as: String.self).utf8))
        let expectedHash = try connection.query(
            Query("SELECT md5(array_to_string(\(expected)::text[], \("\n"))) AS h")
                .named("feature_schema_hash")
        ).first!.decode("h", as: String.self)
        if let hash = try row.decodeIfPresent("feature_schema_hash", as: String.self), hash != expectedHash {
            throw ArtifactRefused(
                artifact: what,
                reason:
                    "feature-schema hash \(hash) differs from \(expectedHash), what this build (code \(CodeVersion.current)) computes for its \(expected.count) features"
            )
        }
        guard stored == expected, encodings.features == expected else {
            throw ArtifactRefused(
                artifact: what, reason: "it was trained on \(stored.count) features that differ from the \(expected.count) this build computes")
        }
        if let prices = try row.decodeIfPresent("prices", as: String.self) {
            // Prepared before migration 042: one document.
            encodings.categoryPrices = try JSONDecoder().decode(CategoryPrices.self, from: Data(prices.utf8))
        } else if let runID, try row.decode("prepared", as: Bool.self) {
            encodings.categoryPrices = try RunCategoryPrices.read(
                runID: runID, versionID: try row.decode("model_version_id", as: Int64.self), name: name, on: connection)
        }
        let hex = Array(try row.decode("hex", as: String.self).utf8)
        var bytes = [UInt8](repeating: 0, count: hex.count / 2)
        func nibble(_ c: UInt8) -> UInt8 { c <= 57 ? c - 48 : c - 87 }
        for i in 0..<bytes.count { bytes[i] = nibble(hex[2 * i]) << 4 | nibble(hex[2 * i + 1]) }
        let trained: GlobalBoostedModel.Trained
        do {
            trained = try GlobalBoostedModel.Trained(serialized: bytes, encodings: encodings, calendar: try calendar(schema, on: connection))
        } catch let error as PostgresError {
            throw error
        } catch {
            throw ArtifactRefused(artifact: what, reason: "it is not a loadable \(ArtifactCheck.format) model: \(error)")
        }
        return Predictor(trained: trained, encodings: encodings, codes: Codes(encodings))
    }

    /// For a run serving a stored artifact: what depends on the run's own data (the competing
    /// items' prices at its cutoff), computed once for every series of the run and stored. Reads
    /// only the price rows that decide a target period's price as known at the cutoff (the newest
    /// one on or before the first target day, and those after it up to the last), not the series.
    /// Prices count as known when the cutoff's day closes, as for the workers' features.
    static func prepareInputs(
        runID: Int64, versionID: Int64, name: ModelName, cutoff: PostgresDate, config: RunConfig,
        on connection: Connection
    ) throws {
        let predictor = try load(.version(versionID), name: name, runInputs: nil, schema: config.schema, artifactPrices: false, on: connection)
        let frequency = config.frequency
        let targets = (1...predictor.encodings.horizon).map { frequency.advance(frequency.periodStart(cutoff), by: $0).unixDays }
        let categories = predictor.codes.category, locations = predictor.codes.location
        let first = PostgresDate(unixDays: targets.first!), last = PostgresDate(unixDays: targets.last!)
        let schema = config.schema
        var prices = CategoryPrices.OriginTable(originDay: cutoff.unixDays, targetDays: targets)
        // One row per series with a price, its rows in arrays (in order of day, then announcement),
        // by binary COPY: at a million series about 3M price rows, which as text rows through a
        // cursor cost the planner more than the query. COPY takes no binds: the values are
        // transaction-local settings (the planner's transaction), read once per statement.
        try connection.query(
            Query(
                """
                SELECT set_config('forecast.run_id', \(String(runID)), true),
                       set_config('forecast.cutoff', \(cutoff.postgresText), true),
                       set_config('forecast.first_target', \(first.postgresText), true),
                       set_config('forecast.last_target', \(last.postgresText), true)
                """
            ).named("set_prepare_parameters"))
        try connection.copyOut(
            Query(
                """
                COPY (
                    WITH k AS (SELECT ((SELECT current_setting('forecast.cutoff')::date) + 1)::timestamp AT TIME ZONE 'UTC' AS known_by,
                                      (SELECT current_setting('forecast.first_target')::date) AS first_target,
                                      (SELECT current_setting('forecast.last_target')::date) AS last_target)
                    SELECT r.series_no, coalesce(r.category, '?'), r.location_id, p.ds, p.price, p.known_us
                    FROM forecast.run_series r
                    CROSS JOIN k
                    CROSS JOIN LATERAL (
                        SELECT max(q.ds) AS from_ds FROM \(ident: schema).prices q
                        WHERE q.item_id = r.item_id AND q.location_id = r.location_id AND q.ds <= k.first_target AND q.known_at <= k.known_by) f
                    CROSS JOIN LATERAL (
                        SELECT array_agg(p.ds - date '2000-01-01' ORDER BY p.ds, p.known_at) AS ds,
                               array_agg(p.price::float8 ORDER BY p.ds, p.known_at) AS price,
                               array_agg((extract(epoch FROM p.known_at - timestamptz '2000-01-01 00:00+00') * 1000000)::bigint
                                         ORDER BY p.ds, p.known_at) AS known_us
                        FROM \(ident: schema).prices p
                        WHERE p.item_id = r.item_id AND p.location_id = r.location_id AND p.ds >= coalesce(f.from_ds, '-infinity'::date)
                          AND p.ds <= k.last_target AND p.known_at <= k.known_by) p
                    WHERE r.run_id = (SELECT current_setting('forecast.run_id')::bigint) AND p.ds IS NOT NULL
                    ORDER BY r.series_no  -- the sums add in series order, as in training: the same bits every run
                ) TO STDOUT (FORMAT binary)
                """
            ).named("copy_run_target_prices")
        ) { row in
            guard let no = try row.readInt32(), let category = try row.readString(), let location = try row.readString() else {
                throw PostgresError(kind: .decoding, message: "malformed price row while preparing run \(runID)")
            }
            prices.add(
                PlannedInputs(promotions: [], prices: try PlannedInputs.prices(reading: &row)), category: categories.code(category) ?? -1,
                location: locations.code(location) ?? -1, owner: Int(no))
        }
        // The row that says the inputs are prepared (its document null: the entries are rows,
        // migration 042), then the entries. Rows already there (another hand) fail the plan.
        try connection.execute(
            Query(
                """
                INSERT INTO forecast.run_model_inputs (run_id, model_version_id, model_name, category_prices)
                VALUES (\(runID), \(versionID), \(name), NULL)
                """
            ).named("store_run_model_inputs"))
        try RunCategoryPrices.write(prices, runID: runID, versionID: versionID, name: name, on: connection)
    }
}
