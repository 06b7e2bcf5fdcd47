import Forecasting
import GradientBoosting
import Postgres

/// The competing items' prices for the price regression's cross-price term (`CompetitorIndex`):
/// the groups of a run's or backtest's series that share a category and a location, each member
/// with every price row of its item there (filtered by what is known at each origin when used).
/// One reader for runs (the groups of a work item's series) and backtests (every group), so that
/// what a backtest scores is what a run serves. Items without a category form no group.
enum CompetitorPrices {
    /// Members of each group (category and location), in item order (the same in a run and a backtest).
    typealias Groups = [(members: [(no: Int, planned: PlannedInputs)], key: String)]

    static func read(
        _ source: SeriesReader.Source, id: Int64, chunk: Int?, through last: PostgresDate, schema: SQLIdentifier,
        on connection: Connection
    ) throws -> Groups {
        var out: Groups = []
        var group: (key: String, members: [(no: Int, planned: PlannedInputs)])?
        var member: (no: Int, rows: [PlannedInputs.Price])?
        func flushMember() {
            guard let m = member else { return }
            group?.members.append((m.no, PlannedInputs(promotions: [], prices: m.rows)))
            member = nil
        }
        func flushGroup() {
            flushMember()
            if let g = group, g.members.count > 1 { out.append((g.members, g.key)) }
            group = nil
        }
        for row in try connection.query(
            Query(
                """
                SELECT m.series_no, m.category, m.location_id, p.ds, p.price,
                       (extract(epoch FROM p.known_at - timestamptz '2000-01-01 00:00+00') * 1000000)::bigint AS known_us
                FROM \(source.table) m
                JOIN \(ident: schema).prices p ON p.item_id = m.item_id AND p.location_id = m.location_id AND p.ds <= \(last)
                WHERE m.\(source.owner) = \(id) AND m.category IS NOT NULL
                  AND (\(chunk)::int IS NULL OR (m.category, m.location_id) IN (
                         SELECT c.category, c.location_id FROM \(source.table) c
                         WHERE c.\(source.owner) = \(id) AND c.chunk = \(chunk)::int AND c.category IS NOT NULL))
                ORDER BY m.category COLLATE "C", m.location_id, m.item_id, p.ds, known_us
                """
            ).named("competitor_prices")
        ).rows {
            let key = try row.decode("category", as: String.self) + "\u{0}" + (try row.decode("location_id", as: String.self))
            let no = try row.decode("series_no", as: Int.self)
            if group?.key != key {
                flushGroup()
                group = (key, [])
            }
            if member?.no != no {
                flushMember()
                member = (no, [])
            }
            member!.rows.append(
                .init(
                    day: try row.decode("ds", as: PostgresDate.self).unixDays, price: try row.decode("price", as: Double.self),
                    knownAt: try row.decode("known_us", as: Int64.self)))
        }
        flushGroup()
        return out
    }

    /// Each member's index (by series number) for origins closing on `cutoff`.
    static func indexes(_ groups: Groups, cutoff: PostgresDate, horizon: Int, frequency: Frequency) -> [Int: CompetitorIndex] {
        var out: [Int: CompetitorIndex] = [:]
        for g in groups {
            guard
                let index = CompetitorIndex.build(
                    members: g.members.map(\.planned), cutoffDay: cutoff.unixDays, horizon: horizon,
                    frequency: frequency)
            else { continue }
            for m in g.members { out[m.no] = index }
        }
        return out
    }
}
