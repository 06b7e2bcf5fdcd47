import Forecasting
import Foundation
import Postgres

/// Finds and loads the conformal interval calibrations that backtests store.
public enum Calibrations {
    /// The newest finished backtest that calibrated this model at this level (and at each of
    /// `--levels`), for this frequency, without a gap, over at least the run's horizon.
    public static func newest(for config: RunConfig, on connection: Connection) throws -> Int64? {
        let levels = (config.quantileLevels ?? []).map(\.postgresText)
        return try connection.query(
            Query(
                """
                SELECT b.id FROM forecast.backtests b
                JOIN forecast.interval_calibrations c ON c.backtest_id = b.id
                WHERE b.status = 'finished' AND b.frequency = \(config.frequency.rawValue) AND b.gap = 0
                  AND b.horizon >= \(config.horizon) AND c.model_name = \(try config.model.primaryName())
                  AND abs(c.interval_level - \(config.intervalLevel)) < 1e-9
                  AND NOT EXISTS (
                      SELECT 1 FROM unnest(\(levels)::float8[]) l(level)
                      WHERE NOT EXISTS (SELECT 1 FROM forecast.interval_calibrations e
                                        WHERE e.backtest_id = b.id AND e.model_name = c.model_name AND abs(e.interval_level - l.level) < 1e-9))
                ORDER BY b.finished_at DESC, b.id DESC LIMIT 1
                """
            ).named("newest_calibration")
        ).first?.decode("id", as: Int64.self)
    }

    /// The newest finished backtest that selected models for this frequency and level, without a
    /// gap, over at least the run's horizon; returns its id and the selection.
    public static func newestSelection(for config: RunConfig, on connection: Connection) throws -> (Int64, [SelectionSegment: ModelSpec])? {
        guard
            let id = try connection.query(
                Query(
                    """
                    SELECT b.id FROM forecast.backtests b
                    WHERE b.status = 'finished' AND b.frequency = \(config.frequency.rawValue) AND b.gap = 0
                      AND b.horizon >= \(config.horizon) AND abs(b.interval_level - \(config.intervalLevel)) < 1e-9
                      AND EXISTS (SELECT 1 FROM forecast.model_selections s WHERE s.backtest_id = b.id AND s.segment = 'all')
                    ORDER BY b.finished_at DESC, b.id DESC LIMIT 1
                    """
                ).named("newest_selection")
            ).first?.decode("id", as: Int64.self)
        else { return nil }
        return (id, try selection(backtestID: id, on: connection))
    }

    /// Demand class -> model, as a backtest selected them.
    public static func selection(backtestID id: Int64, on connection: Connection) throws -> [SelectionSegment: ModelSpec] {
        var selection: [SelectionSegment: ModelSpec] = [:]
        for row in try connection.query(
            Query(
                """
                SELECT segment, model_spec::text AS spec FROM forecast.model_selections WHERE backtest_id = \(id)
                """
            ).named("load_selection")
        ).rows {
            let text = try row.decode("spec", as: String.self)
            let name = try row.decode("segment", as: String.self)
            guard let segment = SelectionSegment(rawValue: name) else {
                throw PipelineError.configuration("backtest \(id) selected a model for '\(name)', not a demand class or 'all'")
            }
            selection[segment] = try JSONDecoder().decode(ModelSpec.self, from: Data(text.utf8))
        }
        guard selection[.all] != nil else {
            throw PipelineError.configuration("backtest \(id) selected no overall ('all') model")
        }
        return selection
    }

    public static func load(backtestID: Int64, level: Double, on connection: Connection) throws -> [ModelName: ConformalCalibration] {
        var out: [ModelName: ConformalCalibration] = [:]
        for row in try connection.query(
            Query(
                """
                SELECT model_name, array_to_string(step_lower, ',') AS lo, array_to_string(step_upper, ',') AS hi
                FROM forecast.interval_calibrations
                WHERE backtest_id = \(backtestID) AND abs(interval_level - \(level)) < 1e-9
                """
            ).named("load_calibrations")
        ).rows {
            let lo = try row.decode("lo", as: String.self).split(separator: ",").compactMap { Double(postgresText: String($0)) }
            let hi = try row.decode("hi", as: String.self).split(separator: ",").compactMap { Double(postgresText: String($0)) }
            guard !lo.isEmpty, lo.count == hi.count else { continue }
            out[try row.decode("model_name", as: ModelName.self)] = ConformalCalibration(level: level, lower: lo, upper: hi)
        }
        return out
    }

    /// The extra levels `backtestID` did not calibrate for every model it calibrated at `main`
    /// (empty: a run may publish all of them).
    public static func uncalibrated(_ levels: [Double], backtestID: Int64, main: Double, on connection: Connection) throws -> [Double] {
        try connection.query(
            Query(
                """
                SELECT l.level FROM unnest(\(levels.map(\.postgresText))::float8[]) l(level)
                WHERE NOT EXISTS (SELECT 1 FROM forecast.interval_calibrations e
                                  WHERE e.backtest_id = \(backtestID) AND abs(e.interval_level - l.level) < 1e-9)
                   OR EXISTS (SELECT model_name FROM forecast.interval_calibrations m
                              WHERE m.backtest_id = \(backtestID) AND abs(m.interval_level - \(main)) < 1e-9
                              EXCEPT
                              SELECT model_name FROM forecast.interval_calibrations e
                              WHERE e.backtest_id = \(backtestID) AND abs(e.interval_level - l.level) < 1e-9)
                ORDER BY l.level
                """
            ).named("uncalibrated_levels")
        ).rows.map { try $0.decode("level", as: Double.self) }
    }
}
