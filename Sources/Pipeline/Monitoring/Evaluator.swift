import Forecasting
import Foundation
import Postgres

/// `forecastctl evaluate`: delayed ground truth. Joins the forecasts of published runs (served,
/// shadow and the seasonal-naive baseline) with the actuals of their target periods once they
/// have landed, into `forecast.evaluations`.
///
/// - A target period has landed when the newest sales date loaded reaches it; its actual is the
///   sales row's quantity, or 0 when there is none ("a missing row means zero sales").
/// - Incremental: a pass evaluates targets that landed since the previous pass, and all landed
///   targets of runs published since then (backfills). Idempotent: one current evaluation per
///   run, role, series and period (a unique index), so a rerun adds nothing.
/// - Non-finite quantities (NaN, ±Infinity) are never actuals: such a target waits, a restatement
///   to one keeps the previous actual, and the pass counts them (`non_finite_actuals`).
/// - Restatements: sales rows loaded since the previous pass whose quantity differs from the
///   evaluated actual replace that evaluation; the replaced row stays, with `replaced_at` set.
/// - Horizons: only those of `forecast.service_objectives.evaluated_horizons` for the run's
///   frequency (every horizon when it is null), as the policy stood when the pass began (stored
///   with the pass); a run none of whose evaluated horizons landed in the pass is not opened.
public enum Evaluator {
    public struct Pass: Sendable {
        public let id: Int64
        public let landedThrough: PostgresDate?
        public let evaluated: Int
        public let restated: Int
        /// Sales rows of this pass's loads whose quantity is NaN or ±Infinity: never an actual
        /// (they would make WAPE NaN and silence accuracy alerts); the previous actual stays.
        public let nonFiniteActuals: Int
        /// Frequency -> the horizons this pass scored; a frequency not named: every horizon.
        public var evaluatedHorizons: [Frequency: [Int]] = [:]
    }

    public static func evaluate(inputSchema: String, on connection: Connection) throws -> Pass {
        let schema = SQLIdentifier(inputSchema)
        return try connection.transaction { tx in
            try tx.execute(
                Query("SELECT pg_advisory_xact_lock(hashtext('forecast.evaluations'), hashtext(\(inputSchema)))")
                    .named("lock_evaluation"))
            let previous = try tx.query(
                Query(
                    """
                    SELECT landed_through, loaded_through, started_at FROM forecast.evaluation_passes
                    WHERE input_schema = \(inputSchema) ORDER BY id DESC LIMIT 1
                    """
                ).named("previous_evaluation")
            ).first
            let landedBefore = try previous?.decodeIfPresent("landed_through", as: PostgresDate.self)
            let loadedBefore = try previous?.decodeIfPresent("loaded_through", as: PostgresTimestamp.self)
            let startedBefore = try previous?.decodeIfPresent("started_at", as: PostgresTimestamp.self)
            let pass = try tx.query(
                Query(
                    """
                    INSERT INTO forecast.evaluation_passes (input_schema, landed_through, loaded_through, os_user, evaluated_horizons)
                    SELECT \(inputSchema), max(ds), max(loaded_at), \(AuditIdentity.osUser),
                           (SELECT coalesce(jsonb_object_agg(frequency, to_jsonb(evaluated_horizons)), '{}')
                            FROM forecast.service_objectives WHERE evaluated_horizons IS NOT NULL)
                    FROM \(ident: schema).sales
                    RETURNING id, landed_through, loaded_through, evaluated_horizons::text AS horizons
                    """
                ).named("start_evaluation")
            ).first!
            let id = try pass.decode("id", as: Int64.self)
            let horizons = try EvaluatedHorizons(json: try pass.decode("horizons", as: String.self))
            guard let landed = try pass.decodeIfPresent("landed_through", as: PostgresDate.self),
                let loaded = try pass.decodeIfPresent("loaded_through", as: PostgresTimestamp.self)
            else {
                return Pass(id: id, landedThrough: nil, evaluated: 0, restated: 0, nonFiniteActuals: 0, evaluatedHorizons: horizons.byFrequency)
            }
            // Restated actuals first, so that the evaluations inserted below already use them.
            var restated = 0
            var touched = TouchedTargets()
            if let loadedBefore {
                // Only days already evaluated can be restated: a night's load of the newest day
                // probes nothing (at 100k series it probed 100k keys in every run's partition, 6 s).
                // Per frequency, so that each partition answers from its (frequency, ds) index.
                let newest = try tx.query(
                    Query(
                        """
                        SELECT max(n.ds) AS ds FROM unnest(\(Frequency.allCases.map(\.rawValue))::text[]) f
                        CROSS JOIN LATERAL (SELECT max(ds) AS ds FROM forecast.evaluations WHERE frequency = f AND replaced_at IS NULL) n
                        """
                    ).named("newest_evaluated_day")
                ).first?.decodeIfPresent("ds", as: PostgresDate.self)
                restated = try touched.add(
                    tx.query(
                        Query(
                            """
                            WITH changed AS (
                                SELECT item_id, location_id, ds, qty, loaded_at FROM \(ident: schema).sales
                                WHERE loaded_at > \(loadedBefore) AND loaded_at <= \(loaded) AND ds <= \(newest)::date
                                  AND (qty IS NULL OR qty NOT IN ('NaN'::float8, 'Infinity'::float8, '-Infinity'::float8))),
                            replaced AS (
                                UPDATE forecast.evaluations e SET replaced_at = clock_timestamp()
                                FROM changed c
                                WHERE e.replaced_at IS NULL AND e.item_id = c.item_id AND e.location_id = c.location_id AND e.ds = c.ds
                                  AND e.actual IS DISTINCT FROM coalesce(c.qty, 0)
                                RETURNING e.*, coalesce(c.qty, 0) AS new_actual, c.loaded_at AS new_loaded_at),
                            inserted AS (
                                INSERT INTO forecast.evaluations (run_id, role, frequency, cutoff, item_id, location_id, ds, horizon,
                                    model_version, model_name, yhat, yhat_lower, yhat_upper, actual, actual_loaded_at, mase_scale)
                                SELECT run_id, role, frequency, cutoff, item_id, location_id, ds, horizon, model_version, model_name,
                                       yhat, yhat_lower, yhat_upper, new_actual, new_loaded_at, mase_scale
                                FROM replaced
                                RETURNING run_id, ds)
                            SELECT run_id, ds::text AS ds, count(*)::int AS n FROM inserted GROUP BY run_id, ds
                            """
                        ).named("follow_restatements")
                    ).rows)
            }
            // Partition-local: only the runs that can have rows to evaluate, i.e. whose target days
            // reach past the last pass's landed day (a week's slack), or published since it began.
            // Their run partitions alone are read; a run whose horizon ended before is never opened.
            // With evaluated horizons, only a run one of whose evaluated horizons' target periods
            // (step k: the days after cutoff + (k - 1) steps, through cutoff + k steps) landed in
            // this pass: at a million daily series and {1,7,14,28}, 4 partitions a night, not 28.
            let runs = try tx.query(
                Query(
                    """
                    SELECT r.id FROM forecast.runs r
                    CROSS JOIN LATERAL (SELECT CASE r.frequency WHEN 'week' THEN 7 ELSE 1 END AS step, \(horizons.ofRun) AS horizons) p
                    WHERE r.status = 'published' AND r.config ->> 'inputSchema' = \(inputSchema) AND r.cutoff < \(landed)
                      AND (\(landedBefore)::date IS NULL OR r.published_at > \(startedBefore)::timestamptz
                           OR r.cutoff + r.horizon * p.step + 7 > \(landedBefore)::date)
                      AND (p.horizons IS NULL OR EXISTS (
                          SELECT 1 FROM unnest(p.horizons) k
                          WHERE k <= r.horizon AND r.cutoff + (k - 1) * p.step < \(landed)
                            AND (\(landedBefore)::date IS NULL OR r.published_at > \(startedBefore)::timestamptz
                                 OR r.cutoff + k * p.step > \(landedBefore)::date)))
                    ORDER BY r.id
                    """
                ).named("runs_to_evaluate")
            ).rows.map { String(try $0.decode("id", as: Int64.self)) }
            let evaluated = try touched.add(
                tx.query(
                    Query(
                        """
                        WITH rows AS (
                            SELECT 'served' AS role, f.run_id, f.cutoff, f.item_id, f.location_id, f.ds, f.horizon, f.model_version,
                                   f.model_name, f.yhat, f.yhat_lower, f.yhat_upper
                            FROM forecast.forecasts f WHERE f.run_id = ANY(\(runs)::text[]::bigint[])
                            UNION ALL
                            -- the side paths' elements by subscript (forecast.side_forecasts unnests all four
                            -- arrays of every path: 1.8 times the time at 100k series)
                            SELECT p.role, p.run_id, p.cutoff, p.item_id, p.location_id, p.ds[h], h, p.model_version, p.model_name,
                                   p.yhat[h], p.yhat_lower[h], p.yhat_upper[h]
                            FROM forecast.side_forecast_paths p CROSS JOIN LATERAL generate_series(1, cardinality(p.ds)) h
                            WHERE p.run_id = ANY(\(runs)::text[]::bigint[]) AND p.ds[h] <= \(landed)
                            UNION ALL -- a bootstrap run serves the baseline itself
                            SELECT 'baseline', f.run_id, f.cutoff, f.item_id, f.location_id, f.ds, f.horizon, f.model_version,
                                   f.model_name, f.yhat, f.yhat_lower, f.yhat_upper
                            FROM forecast.forecasts f JOIN forecast.runs b ON b.id = f.run_id AND b.serving = 'bootstrap'
                            WHERE f.run_id = ANY(\(runs)::text[]::bigint[])),
                        inserted AS (
                            INSERT INTO forecast.evaluations (run_id, role, frequency, cutoff, item_id, location_id, ds, horizon,
                                model_version, model_name, yhat, yhat_lower, yhat_upper, actual, actual_loaded_at, mase_scale)
                            SELECT x.run_id, x.role, r.frequency, x.cutoff, x.item_id, x.location_id, x.ds, x.horizon, x.model_version,
                                   x.model_name, x.yhat, x.yhat_lower, x.yhat_upper, coalesce(s.qty, 0), s.loaded_at, st.mase_scale
                            FROM rows x
                            JOIN forecast.runs r ON r.id = x.run_id AND r.status = 'published' AND r.config ->> 'inputSchema' = \(inputSchema)
                                                AND x.horizon = ANY(coalesce(\(horizons.ofRun), ARRAY[x.horizon]))
                            LEFT JOIN \(ident: schema).sales s ON s.item_id = x.item_id AND s.location_id = x.location_id AND s.ds = x.ds
                                                             AND s.loaded_at <= \(loaded)
                            LEFT JOIN forecast.series_stats st ON st.run_id = x.run_id AND st.item_id = x.item_id AND st.location_id = x.location_id
                            WHERE x.ds <= \(landed) AND (s.qty IS NULL OR s.qty NOT IN ('NaN'::float8, 'Infinity'::float8, '-Infinity'::float8))
                              AND (\(landedBefore)::date IS NULL OR x.ds > \(landedBefore)::date OR r.published_at > \(startedBefore)::timestamptz)
                            ON CONFLICT (run_id, role, item_id, location_id, ds) WHERE replaced_at IS NULL DO NOTHING
                            RETURNING run_id, ds)
                        SELECT run_id, ds::text AS ds, count(*)::int AS n FROM inserted GROUP BY run_id, ds
                        """
                    ).named("evaluate_landed_forecasts")
                ).rows)
            // The rollups the 4-week views read: the (run, day) pairs this pass scored or restated,
            // then the per-series window.
            for (run, days) in touched.byRun.sorted(by: { $0.key < $1.key }) {
                try tx.execute(
                    Query("SELECT forecast.roll_up_evaluations(\(run), \(days.sorted().map(\.description))::text[]::date[])")
                        .named("roll_up_evaluations"))
            }
            try tx.execute(Query("SELECT forecast.roll_up_series()").named("roll_up_series"))
            let nonFinite =
                try tx.query(
                    Query(
                        """
                        SELECT count(*)::int AS n FROM \(ident: schema).sales
                        WHERE qty IN ('NaN'::float8, 'Infinity'::float8, '-Infinity'::float8)
                          AND loaded_at <= \(loaded) AND (\(loadedBefore)::timestamptz IS NULL OR loaded_at > \(loadedBefore)::timestamptz)
                        """
                    ).named("non_finite_actuals")
                ).first?.decode("n", as: Int.self) ?? 0
            try tx.execute(
                Query(
                    """
                    UPDATE forecast.evaluation_passes SET evaluated = \(evaluated), restated = \(restated), non_finite_actuals = \(nonFinite)
                    WHERE id = \(id)
                    """
                ).named("finish_evaluation"))
            return Pass(
                id: id, landedThrough: landed, evaluated: evaluated, restated: restated, nonFiniteActuals: nonFinite,
                evaluatedHorizons: horizons.byFrequency)
        }
    }
}

/// The rolling 4-week accuracy `evaluate` prints (`forecast.accuracy_4w`, `forecast.forecast_value_added`).
public struct AccuracySummary: Sendable {
    public struct Line: Sendable {
        public let frequency: Frequency, role: String, forecasts: Int
        public let wape: Double?, mase: Double?, bias: Double?, coverage: Double?
        public let versions: String
    }
    public let lines: [Line]
    /// Frequency -> 1 - served error / baseline error on the same rows.
    public let valueAdded: [String: Double]

    public static func load(on connection: Connection) throws -> AccuracySummary {
        let lines = try connection.query(
            Query(
                """
                SELECT frequency, role, forecasts::int AS n, wape, mase, bias, coverage::float8 AS coverage, model_versions
                FROM forecast.accuracy_4w WHERE segment_kind = 'all'
                ORDER BY frequency, array_position(ARRAY['served', 'shadow', 'baseline'], role)
                """
            ).named("accuracy_summary")
        ).rows.map {
            Line(
                frequency: try $0.decode("frequency"), role: try $0.decode("role"), forecasts: try $0.decode("n"),
                wape: try $0.decodeIfPresent("wape", as: Double.self), mase: try $0.decodeIfPresent("mase", as: Double.self),
                bias: try $0.decodeIfPresent("bias", as: Double.self), coverage: try $0.decodeIfPresent("coverage", as: Double.self),
                versions: try $0.decodeIfPresent("model_versions", as: String.self) ?? "")
        }
        var added: [String: Double] = [:]
        for row in try connection.query(
            Query(
                """
                SELECT frequency, value_added FROM forecast.forecast_value_added WHERE segment_kind = 'all' AND value_added IS NOT NULL
                """
            ).named("value_added_summary")
        ).rows {
            added[try row.decode("frequency")] = try row.decode("value_added", as: Double.self)
        }
        return AccuracySummary(lines: lines, valueAdded: added)
    }
}
