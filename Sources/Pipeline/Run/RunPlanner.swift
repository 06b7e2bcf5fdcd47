import Postgres

/// Fixes what a run reads: the series list, the input manifest (the sales rows and checksum are
/// added at publish time from what the workers actually read), and the work items, in the
/// caller's transaction, which also moves the run to `running`.
///
/// The as-of snapshot: sales with `ds <= cutoff` and `loaded_at <= as_of`, for items and
/// locations that have a dimension version valid at the cutoff; planned inputs counted only when
/// `known_at <= as_of`.
public enum RunPlanner {
    public struct Plan: Sendable {
        public let seriesCount: Int
        public let workItemCount: Int
        public let manifestJSON: String
    }

    /// Inside the caller's open transaction, so that it can run while the data contracts are
    /// checked and be committed only if none blocks.
    /// With `startRunning` false the run stays `queued` (workers wait) until a global model is trained.
    public static func planUncommitted(_ run: RunContext, startRunning: Bool = true, in tx: Connection) throws -> Plan {
        let (runID, cutoff, asOf, config) = (run.id, run.cutoff, run.asOf, run.config)
        let s = config.schema
        do {
            // The series list by a loose index scan: one descent of sales_series_ds_key per series
            // instead of a scan of every sales row (rows are read once, by the workers).
            try SeriesSnapshot.plan(
                .run, id: runID, cutoff: cutoff, asOf: asOf, chunkSize: config.chunkSize,
                attributes: config.attributes ?? [], schema: s, on: tx)
            // Statistics for the chunk reads' plans: of this run's partition only (the parent's
            // sample spans every kept run: 1.0 s instead of 0.1 s at 100k series), as the table's
            // owner (a plain ANALYZE by the worker role is skipped with a warning; migration 026).
            try tx.execute(Query("SELECT forecast.analyze_run_series(\(runID))").named("analyze_run_series"))
            try SeriesAttributes.requirePresent(config.attributes ?? [], runID: runID, on: tx)
            let summary = try tx.query(
                Query(
                    """
                    SELECT count(*)::int AS series, coalesce(max(chunk) + 1, 0)::int AS chunks
                    FROM forecast.run_series WHERE run_id = \(runID)
                    """
                ).named("summarize_run_series")
            ).first!
            let series = try summary.decode("series", as: Int.self)
            guard series > 0 else { throw PipelineError.noSeries(cutoff: cutoff) }
            let chunks = try summary.decode("chunks", as: Int.self)
            let horizonEnd = config.frequency.lastDay(ofStep: config.horizon, after: cutoff)
            let manifest = try tx.query(
                Query(
                    """
                    SELECT jsonb_build_object(
                        'cutoff', \(cutoff)::date, 'as_of', \(asOf)::timestamptz, 'input_schema', \(config.inputSchema)::text,
                        'sales', jsonb_build_object('series', \(series)::int),
                        'items', (SELECT jsonb_build_object('versions_valid_at_cutoff', count(*),
                                         'checksum', coalesce(bit_xor(hashtextextended(i::text, 0)), 0)::text)
                                  FROM \(ident: s).items i
                                  WHERE i.valid_from <= \(cutoff) AND (i.valid_to IS NULL OR \(cutoff) < i.valid_to)),
                        'locations', (SELECT jsonb_build_object('versions_valid_at_cutoff', count(*),
                                             'checksum', coalesce(bit_xor(hashtextextended(l::text, 0)), 0)::text)
                                      FROM \(ident: s).locations l
                                      WHERE l.valid_from <= \(cutoff) AND (l.valid_to IS NULL OR \(cutoff) < l.valid_to)),
                        'calendar_days_in_horizon', (SELECT count(*) FROM \(ident: s).calendar c
                                                     WHERE c.ds > \(cutoff) AND c.ds <= \(horizonEnd)),
                        'prices_known_by_as_of', (SELECT count(*) FROM \(ident: s).prices p
                                                  WHERE p.ds > \(cutoff) AND p.ds <= \(horizonEnd) AND p.known_at <= \(asOf)),
                        'promotions_known_by_as_of', (SELECT count(*) FROM \(ident: s).promotions p
                                                      WHERE p.ds > \(cutoff) AND p.ds <= \(horizonEnd) AND p.known_at <= \(asOf))
                    )::text AS manifest
                    """
                ).named("build_manifest")
            ).first!.decode("manifest", as: String.self)
            try tx.execute(
                Query(
                    """
                    INSERT INTO forecast.work_items (run_id, chunk, series_count, max_attempts)
                    SELECT \(runID), chunk, count(*)::int, \(config.maxAttempts)
                    FROM forecast.run_series WHERE run_id = \(runID) GROUP BY chunk
                    """
                ).named("enqueue_work_items"))
            try RunLifecycle.planned(runID, manifest: manifest, series: series, items: chunks, startRunning: startRunning, in: tx)
            return Plan(seriesCount: series, workItemCount: chunks, manifestJSON: manifest)
        }
    }
}
