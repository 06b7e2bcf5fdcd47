import Forecasting
import GradientBoosting
import Postgres

/// One series of one work item, zero-filled from its first sale to the cutoff.
public struct SeriesInput: Sendable {
    public let seriesNo: Int
    public let itemID: String
    public let locationID: String
    /// Start of the first period.
    public let start: PostgresDate
    public var values: [Double]
    /// Periods with a stockout in `demand.inventory`: zero sales there are censored demand.
    public var censored: [Bool]
    /// Planned inputs (only when the reader was asked for them), each with when it became known.
    public var planned: PlannedInputs?
    /// Sales rows read for this series.
    public let rowsRead: Int
    /// FNV-1a 64 of the key, xor the wrapping sum of FNV-1a 64 of each (ds, qty) row: what exactly
    /// was read, independent of row order.
    public let checksum: UInt64
}

/// Reads a work item's series with one binary COPY OUT: one row per series carrying its dates
/// and quantities as arrays (aggregated by a lateral index-only scan per series, no sort) (the as-of snapshot of `RunPlanner`: `ds <= cutoff`,
/// `loaded_at <= as_of`).
public struct SeriesReader: Sendable {
    /// Where the series list lives: `forecast.run_series` keyed by `run_id`, or
    /// `forecast.backtest_series` keyed by `backtest_id`.
    public enum Source: Sendable {
        case run, backtest
        var table: Query { self == .run ? "forecast.run_series" : "forecast.backtest_series" }
        var owner: Query { self == .run ? "run_id" : "backtest_id" }
    }

    public let runID: Int64
    public let cutoff: PostgresDate
    public let asOf: PostgresTimestamp
    public let frequency: Frequency
    public let schema: SQLIdentifier
    public var source: Source = .run
    /// Also read promotions and prices (with `known_at`), for models that use planned inputs.
    public var plannedInputs = false
    /// The days whose promotions are read (nil: every promotion up to 400 days past the cutoff,
    /// for backtests and training, whose features look from many origins). A run forecasts from
    /// one origin only: `GlobalBoostedModel` features look at the promotions of the origin's period
    /// and of the target periods, nothing else (`promotionDays(horizon:)`).
    public var promotionDays: ClosedRange<PostgresDate>?

    public init(
        runID: Int64, cutoff: PostgresDate, asOf: PostgresTimestamp, frequency: Frequency,
        schema: SQLIdentifier, source: Source = .run
    ) {
        self.runID = runID
        self.cutoff = cutoff
        self.asOf = asOf
        self.frequency = frequency
        self.schema = schema
        self.source = source
    }

    public struct InputChanged: Error, CustomStringConvertible {
        public let itemID: String, locationID: String
        public var description: String {
            "series \(itemID)/\(locationID) has no sales rows in the snapshot any more: the input changed during the run"
        }
    }

    /// The last period: the cutoff's day, or for weeks the week ending on the cutoff (a Sunday).
    var lastPeriod: PostgresDate { frequency.periodStart(cutoff) }

    public func read(chunk: Int, on connection: Connection) throws -> [SeriesInput] {
        var raw: [(no: Int, item: String, location: String, ds: [Int32], qty: [Double], stockouts: [Int32])] = []
        var plannedByNo: [Int: PlannedInputs] = [:]
        var missing: InputChanged?
        try connection.transaction { tx in
            // COPY takes no bind parameters: pass the values as transaction-local settings, each
            // read once per statement through a scalar subquery (not once per row).
            try tx.query(
                Query(
                    """
                    SELECT set_config('forecast.run_id', \(String(runID)), true),
                           set_config('forecast.chunk', \(String(chunk)), true),
                           set_config('forecast.cutoff', \(cutoff.postgresText), true),
                           set_config('forecast.as_of', \(asOf.postgresText), true),
                           set_config('forecast.promotions_from', \(promotionDays?.lowerBound.postgresText ?? "-infinity"), true),
                           set_config('forecast.promotions_to', \((promotionDays?.upperBound ?? PostgresDate(unixDays: cutoff.unixDays + 400)).postgresText), true)
                    """
                ).named("set_chunk_parameters"))
            // COPY takes no binds: only quoted identifiers and fixed fragments are interpolated.
            try tx.copyOut(
                Query(
                    """
                    COPY (SELECT r.series_no, r.item_id, r.location_id, a.ds, a.qty,
                                 (SELECT array_agg(i.ds - date '2000-01-01')
                                  FROM \(ident: schema).inventory i
                                  WHERE i.item_id = r.item_id AND i.location_id = r.location_id AND i.stockout
                                    AND i.ds <= (SELECT current_setting('forecast.cutoff')::date)) AS stockouts
                                 \(plannedInputs ? Self.plannedColumns : "")
                          FROM \(source.table) r
                          CROSS JOIN LATERAL (
                              SELECT array_agg(s.ds - date '2000-01-01') AS ds, array_agg(s.qty) AS qty
                              FROM \(ident: schema).sales s
                              WHERE s.item_id = r.item_id AND s.location_id = r.location_id
                                AND s.ds <= (SELECT current_setting('forecast.cutoff')::date)
                                AND s.loaded_at <= (SELECT current_setting('forecast.as_of')::timestamptz)) a
                          \(plannedInputs ? Self.plannedJoins(schema) : "")
                          WHERE r.\(source.owner) = (SELECT current_setting('forecast.run_id')::bigint)
                            AND r.chunk = (SELECT current_setting('forecast.chunk')::int)
                    ) TO STDOUT (FORMAT binary)
                    """
                ).named("copy_chunk_sales")
            ) { row in
                guard let no = try row.readInt32(), let item = try row.readString(), let location = try row.readString() else {
                    throw PostgresError(kind: .decoding, message: "malformed series row in chunk \(chunk)")
                }
                // The lateral aggregate yields a row for every planned series: NULL arrays mean the
                // series has no sales in the snapshot any more.
                guard let ds = try row.readInt32Array(), let qty = try row.readDoubleArray() else {
                    if missing == nil { missing = InputChanged(itemID: item, locationID: location) }
                    return
                }
                guard ds.count == qty.count else {
                    throw PostgresError(kind: .decoding, message: "malformed series row in chunk \(chunk)")
                }
                let stockouts = try row.readInt32Array() ?? []
                raw.append((Int(no), item, location, ds, qty, stockouts))
                if plannedInputs {
                    plannedByNo[Int(no)] = try PlannedInputs(reading: &row)
                }
            }
        }
        if let missing { throw missing }
        raw.sort { $0.no < $1.no }
        let end = lastPeriod
        let frequency = frequency
        return raw.map { r in
            let start = frequency.periodStart(PostgresDate(daysSince2000: r.ds.min()!))
            func period(_ d: Int32) -> Int { frequency.index(of: PostgresDate(daysSince2000: d), from: start) }
            var values = [Double](repeating: 0, count: max(0, frequency.index(of: end, from: start) + 1))
            var key = FNV1a64()
            key.add(r.item)
            key.add(r.location)
            var rows: UInt64 = 0
            for (d, q) in zip(r.ds, r.qty) {
                var h = FNV1a64()
                h.add(UInt64(UInt32(bitPattern: d)))
                h.add(q.bitPattern)
                rows &+= h.value
                let t = period(d)
                if t >= 0 && t < values.count { values[t] += q }
            }
            // A period is censored when any of its days was a stockout and it sold nothing.
            var censored = [Bool](repeating: false, count: values.count)
            for d in r.stockouts {
                let t = period(d)
                if t >= 0 && t < values.count && values[t] == 0 { censored[t] = true }
            }
            return SeriesInput(
                seriesNo: r.no, itemID: r.item, locationID: r.location, start: start, values: values,
                censored: censored, planned: plannedByNo[r.no], rowsRead: r.ds.count, checksum: key.value ^ rows)
        }
    }

    /// Promotions and prices with the time each became known (microseconds since 2000-01-01 UTC);
    /// the promotions of `promotionDays`, every price (they are few: one row per change),
    /// filtered later by each origin's knowledge. One
    /// aggregate per table: its arrays see the rows in the same order, so they stay aligned without
    /// a sort per array (`PlannedInputs` sorts them).
    static let plannedColumns: Query =
        ", pr.promo_ds, pr.promo_intensity, pr.promo_type, pr.promo_known, pp.price_ds, pp.price_value, pp.price_known"

    static func plannedJoins(_ schema: SQLIdentifier) -> Query {
        """
        CROSS JOIN LATERAL (
            SELECT array_agg(p.ds - date '2000-01-01') AS promo_ds, array_agg(p.intensity) AS promo_intensity,
                   array_agg(p.promo_type) AS promo_type,
                   array_agg((extract(epoch FROM p.known_at - timestamptz '2000-01-01 00:00+00') * 1000000)::bigint) AS promo_known
            FROM \(ident: schema).promotions p
            WHERE p.item_id = r.item_id AND p.location_id = r.location_id
              AND p.ds >= (SELECT current_setting('forecast.promotions_from')::date)
              AND p.ds <= (SELECT current_setting('forecast.promotions_to')::date)) pr
        CROSS JOIN LATERAL (
            SELECT array_agg(p.ds - date '2000-01-01') AS price_ds, array_agg(p.price) AS price_value,
                   array_agg((extract(epoch FROM p.known_at - timestamptz '2000-01-01 00:00+00') * 1000000)::bigint) AS price_known
            FROM \(ident: schema).prices p
            WHERE p.item_id = r.item_id AND p.location_id = r.location_id) pp
        """
    }

    /// The promotion days a forecast from the cutoff's period over `horizon` periods can use: from
    /// the first day of the cutoff's period to the last day of the last target period.
    public func promotionDays(horizon: Int) -> ClosedRange<PostgresDate> {
        lastPeriod...frequency.lastDay(ofStep: horizon, after: cutoff)
    }

    /// The date of forecast step h (1-based).
    public func targetDate(step h: Int) -> PostgresDate {
        frequency.advance(lastPeriod, by: h)
    }
}

/// FNV-1a, 64 bit: a small, stable, platform-independent hash for input checksums.
struct FNV1a64 {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func add(_ bytes: some Sequence<UInt8>) {
        for b in bytes { value = (value ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
    }

    mutating func add(_ text: String) {
        add(text.utf8)
        add(CollectionOfOne(0))
    }

    mutating func add(_ word: UInt64) {
        var w = word
        for _ in 0..<8 {
            value = (value ^ (w & 0xFF)) &* 0x0000_0100_0000_01B3
            w >>= 8
        }
    }
}
