import Forecasting
import Postgres

/// Writes a run's `forecast.feature_profiles` from its per-series profile (`forecast.series_stats`)
/// and the planned inputs as known at its as-of time (price: the price in force on the first
/// forecast day; promo_share: the share of horizon days with a promotion; forecast_spread: the
/// interval width relative to the forecast; fallback: 1 for a series the naive fallback served): per segment (all, category,
/// region, demand class) and feature, count, missing and zero counts, mean, sd and 21 quantiles.
public enum FeatureProfiles {
    /// The profiled features: the series' recent history, its planned inputs, and the prediction.
    /// (History length is not one: it grows by a period every run by design.)
    public static let features = [
        "recent_mean", "recent_cv", "zero_share", "stockout_share", "price", "promo_share", "forecast_mean",
        "forecast_spread", "fallback",
    ]

    /// At most about this many series' values form a segment's quantiles (the PSI's bins).
    public static let quantileSample = 100_000

    /// Idempotent: a run's profiles are written once.
    @discardableResult
    public static func write(runID: Int64, on connection: Connection) throws -> Int {
        guard
            let run = try connection.query(
                Query(
                    """
                    SELECT cutoff, as_of, frequency, horizon, config ->> 'inputSchema' AS schema, coalesce(series_count, 0) AS series
                    FROM forecast.runs WHERE id = \(runID)
                    """
                ).named("profile_run")
            ).first
        else {
            throw PipelineError.invalidArgument("no run with id \(runID)")
        }
        let cutoff = try run.decode("cutoff", as: PostgresDate.self)
        let frequency = Frequency(rawValue: try run.decode("frequency", as: String.self)) ?? .day
        let horizon = try run.decode("horizon", as: Int.self)
        let end = frequency.lastDay(ofStep: horizon, after: cutoff)
        let firstDay = PostgresDate(unixDays: cutoff.unixDays + 1)
        let schema = SQLIdentifier(try run.decodeIfPresent("schema", as: String.self) ?? "demand")
        let asOf = try run.decode("as_of", as: PostgresTimestamp.self)
        let quantiles = (0...20).map { String(Double($0) / 20) }
        // Quantiles from at most about `quantileSample` series: every m-th by a fixed hash of the
        // series key, the same series every run. Counts, means and deviations stay exact. At a
        // million series, sorting all 36M feature values by segment took 74 s of a 90 s monitor pass.
        let every = max(1, (try run.decode("series", as: Int.self) + Self.quantileSample - 1) / Self.quantileSample)
        // One statement over every series of the run: JIT compilation would cost more than it saves.
        return try connection.transaction { tx in
            try tx.setLocal("jit", "off")
            return try tx.execute(
                Query(
                    """
                    WITH s AS (
                        SELECT st.*, coalesce(rs.category, '?') AS category, coalesce(rs.region, '?') AS region,
                               (SELECT p.price FROM \(ident: schema).prices p
                                WHERE p.item_id = st.item_id AND p.location_id = st.location_id AND p.ds <= \(firstDay)
                                  AND p.known_at <= \(asOf)
                                ORDER BY p.ds DESC, p.known_at DESC LIMIT 1) AS price,
                               hashtextextended(st.item_id || '|' || st.location_id, 32) % \(every) = 0 AS sampled,
                               (SELECT count(DISTINCT p.ds)::float8 FROM \(ident: schema).promotions p
                                WHERE p.item_id = st.item_id AND p.location_id = st.location_id AND p.ds > \(cutoff) AND p.ds <= \(end)
                                  AND p.known_at <= \(asOf)) / (\(end)::date - \(cutoff)::date) AS promo_share
                        FROM forecast.series_stats st
                        JOIN forecast.run_series rs ON rs.run_id = st.run_id AND rs.item_id = st.item_id AND rs.location_id = st.location_id
                        WHERE st.run_id = \(runID)),
                    long AS (
                        SELECT category, region, demand_class, v.feature, v.value, s.sampled
                        FROM s, LATERAL (VALUES ('recent_mean', recent_mean), ('recent_cv', recent_sd / nullif(recent_mean, 0)),
                                                ('zero_share', recent_zero_share), ('stockout_share', recent_stockout_share),
                                                ('price', price), ('promo_share', promo_share),
                                                ('forecast_mean', forecast_mean),
                                                ('forecast_spread', forecast_width / nullif(forecast_mean, 0)),
                                                ('fallback', CASE WHEN served_model = \(ServedModel.fallbackName) THEN 1.0 ELSE 0.0 END)) v(feature, value)),
                    -- Exact statistics hashed by segment; quantiles sorted over the sample alone.
                    stats AS (
                        SELECT g.kind, g.segment, feature, count(*) AS series, count(*) FILTER (WHERE value IS NULL) AS missing,
                               count(*) FILTER (WHERE value = 0) AS zeros, avg(value) AS mean, stddev_samp(value) AS sd
                        FROM long, LATERAL (VALUES ('all', 'all'), ('category', category), ('region', region), ('class', demand_class)) g(kind, segment)
                        GROUP BY g.kind, g.segment, feature),
                    quantiles AS (
                        SELECT g.kind, g.segment, feature, percentile_cont(\(quantiles)::text[]::float8[]) WITHIN GROUP (ORDER BY value) AS q
                        FROM long, LATERAL (VALUES ('all', 'all'), ('category', category), ('region', region), ('class', demand_class)) g(kind, segment)
                        WHERE sampled GROUP BY g.kind, g.segment, feature)
                    INSERT INTO forecast.feature_profiles (run_id, segment_kind, segment, feature, series, missing, zeros, mean, sd, quantiles)
                    SELECT \(runID), s.kind, s.segment, s.feature, s.series, s.missing, s.zeros, s.mean, s.sd, q.q
                    FROM stats s LEFT JOIN quantiles q USING (kind, segment, feature)
                    ON CONFLICT ON CONSTRAINT feature_profiles_pkey DO NOTHING
                    """
                ).named("write_feature_profiles"))
        }
    }
}
