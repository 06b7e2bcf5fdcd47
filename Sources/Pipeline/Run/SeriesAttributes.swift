import Foundation
import Postgres

/// Extra item and location attributes given to the global model (`--attributes
/// location.sqft,item.pack`): read from the `attributes` object of the SCD type-2 version valid
/// at the cutoff, kept per series with the run or backtest (lineage), and encoded as features —
/// numbers as they are, booleans as 0/1, strings as their position in the sorted list of values
/// seen in training (-1: a value training never saw), missing as NaN.
public enum SeriesAttributes {
    /// One attribute's value as stored in JSON.
    public enum Value: Decodable, Sendable, Equatable {
        case number(Double), string(String), bool(Bool), null

        public init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if c.decodeNil() {
                self = .null
            } else if let b = try? c.decode(Bool.self) {
                self = .bool(b)
            } else if let d = try? c.decode(Double.self) {
                self = .number(d)
            } else if let s = try? c.decode(String.self) {
                self = .string(s)
            } else {
                self = .null
            }  // arrays and objects are not features
        }
    }

    /// Checks names are `item.<key>` or `location.<key>`, without repeats.
    public static func validate(_ names: [String]) throws {
        for name in names {
            let parts = name.split(separator: ".", maxSplits: 1)
            guard parts.count == 2, parts[0] == "item" || parts[0] == "location", !parts[1].isEmpty else {
                throw PipelineError.invalidSetting(.attributes, "names '\(name)', which is not item.<key> or location.<key>")
            }
        }
        guard Set(names).count == names.count else { throw PipelineError.invalidSetting(.attributes, "names an attribute twice") }
    }

    /// SQL: the named attributes of item row `i` and location row `l` as one JSON object (NULL when none are named).
    static func selectExpression(_ names: [String]) -> Query {
        if names.isEmpty { return Query("NULL::jsonb") }
        return Query(
            """
            (SELECT jsonb_object_agg(n, CASE WHEN n LIKE 'item.%' THEN i.attributes -> substr(n, 6)
                                               ELSE l.attributes -> substr(n, 10) END)
             FROM unnest(\(names)::text[]) AS n)
            """)
    }

    /// Refuses attribute names that no series has a value for (a typo would otherwise read as
    /// "missing" everywhere, silently). `runID` or `backtestID` names the planned series.
    static func requirePresent(_ names: [String], runID: Int64? = nil, backtestID: Int64? = nil, on connection: Connection) throws {
        guard !names.isEmpty else { return }
        let absent = try connection.query(
            Query(
                """
                SELECT string_agg(n, ', ' ORDER BY n) AS absent FROM unnest(\(names)::text[]) AS n
                WHERE NOT EXISTS (SELECT 1 FROM forecast.run_series r WHERE r.run_id = \(runID) AND r.attributes ->> n IS NOT NULL)
                  AND NOT EXISTS (SELECT 1 FROM forecast.backtest_series b WHERE b.backtest_id = \(backtestID) AND b.attributes ->> n IS NOT NULL)
                """
            ).named("absent_attributes")
        ).first?.decodeIfPresent("absent", as: String.self)
        if let absent {
            throw PipelineError.invalidArgument(
                "--attributes: no series has a value for \(absent) (keys of demand.items.attributes / demand.locations.attributes, as valid at the cutoff)")
        }
    }

    /// A backtest's series' attributes as valid at one fold's cutoff (series_no -> attributes).
    static func read(
        backtestID: Int64, cutoff: PostgresDate, names: [String], schema: SQLIdentifier,
        on connection: Connection
    ) throws -> [Int: [String: Value]] {
        var out: [Int: [String: Value]] = [:]
        for row in try connection.query(
            Query(
                """
                SELECT b.series_no, \(selectExpression(names))::text AS attributes
                FROM forecast.backtest_series b
                LEFT JOIN LATERAL (SELECT attributes FROM \(ident: schema).items i
                                   WHERE i.item_id = b.item_id AND i.valid_from <= \(cutoff) AND (i.valid_to IS NULL OR \(cutoff) < i.valid_to)
                                   ORDER BY i.valid_from DESC LIMIT 1) i ON true
                LEFT JOIN LATERAL (SELECT attributes FROM \(ident: schema).locations l
                                   WHERE l.location_id = b.location_id AND l.valid_from <= \(cutoff) AND (l.valid_to IS NULL OR \(cutoff) < l.valid_to)
                                   ORDER BY l.valid_from DESC LIMIT 1) l ON true
                WHERE b.backtest_id = \(backtestID)
                """
            ).named("fold_attributes")
        ).rows {
            out[try row.decode("series_no")] = try parse(try row.decodeIfPresent("attributes", as: String.self))
        }
        return out
    }

    /// Parses a stored attributes object (NULL/empty: no attributes).
    static func parse(_ json: String?) throws -> [String: Value] {
        guard let json, !json.isEmpty else { return [:] }
        return try JSONDecoder().decode([String: Value].self, from: Data(json.utf8))
    }

    /// Per attribute name, the sorted string values seen (the codes of string attributes).
    static func codes(_ names: [String], values: some Sequence<[String: Value]>) -> [String: [String]] {
        var seen: [String: [String]] = [:]
        for attributes in values {
            for name in names { if case .string(let s)? = attributes[name] { seen[name, default: []].append(s) } }
        }
        return seen.mapValues { ExactCodes(distinct: $0).values }  // byte order, byte-exact (`ExactCodes`)
    }

    /// The feature values in `names` order.
    static func encode(_ attributes: [String: Value], names: [String], codes: [String: [String]]) -> [Float] {
        names.map { name in
            switch attributes[name] ?? .null {
            case .number(let d): return Float(d)
            case .bool(let b): return b ? 1 : 0
            case .string(let s): return Float(codes[name]?.firstIndex { $0.utf8.elementsEqual(s.utf8) } ?? -1)
            case .null: return .nan
            }
        }
    }
}
