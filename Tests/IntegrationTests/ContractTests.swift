import Foundation
import Postgres
import Testing

@testable import Pipeline

/// One seeded violation per contract file: the run is blocked or warned as the header declares,
/// and the message names the rule.
extension Integration {
    @Suite struct Contracts {
        static let seeds: [String: String] = [
            "sales_null_keys": "INSERT INTO demand.sales (item_id, location_id, ds, qty, loaded_at) VALUES (NULL, 'L0001', '2026-11-01', 1, '2026-11-02')",
            "sales_duplicate_keys":
                "DROP INDEX demand.sales_series_ds_key; INSERT INTO demand.sales SELECT * FROM (SELECT * FROM demand.sales ORDER BY item_id, location_id, ds LIMIT 1) s",
            "sales_negative_quantity":
                "UPDATE demand.sales SET qty = -7 WHERE (item_id, location_id, ds) = (SELECT item_id, location_id, ds FROM demand.sales ORDER BY item_id, location_id, ds LIMIT 1)",
            "sales_non_finite_quantity":
                "UPDATE demand.sales SET qty = 'NaN' WHERE (item_id, location_id, ds) = (SELECT item_id, location_id, ds FROM demand.sales ORDER BY item_id, location_id, ds LIMIT 1)",
            "sales_after_as_of": "INSERT INTO demand.sales VALUES ('I000001', 'L0001', '2026-12-15', 3, '2026-11-28 01:00+00')",
            "sales_without_item_version": "INSERT INTO demand.sales VALUES ('I999999', 'L0001', '2026-11-20', 3, '2026-11-21 02:00+00')",
            "sales_without_location_version": "INSERT INTO demand.sales VALUES ('I000001', 'L9999', '2026-11-20', 3, '2026-11-21 02:00+00')",
            "items_scd_overlap": "INSERT INTO demand.items VALUES ('I000002', '2026-10-01', NULL, 'snacks', 'family_1', 'overlapping version')",
            "items_scd_gap":
                "INSERT INTO demand.items VALUES ('IGAP', '2026-01-01', '2026-02-01', 'snacks', 'family_1', 'v1'), ('IGAP', '2026-03-01', NULL, 'snacks', 'family_1', 'v2')",
            "locations_scd_overlap": "INSERT INTO demand.locations VALUES ('L0002', '2026-10-01', NULL, 'north', 'supermarket')",
            "locations_scd_gap":
                "INSERT INTO demand.locations VALUES ('LGAP', '2026-01-01', '2026-02-01', 'north', NULL), ('LGAP', '2026-03-01', NULL, 'south', NULL)",
            "calendar_covers_horizon": "DELETE FROM demand.calendar WHERE ds = '2026-12-01'",
            "sales_stale_source": "UPDATE demand.sales SET loaded_at = loaded_at - interval '10 days'",
            "sales_volume_drop": "DELETE FROM demand.sales WHERE ds = '2026-11-27'",
            "prices_not_finite_positive":
                "INSERT INTO demand.prices VALUES ('I000001', 'L0001', '2026-11-20', 'NaN', '2026-11-01 00:00+00'), ('I000002', 'L0001', '2026-12-02', 'Infinity', '2026-11-01 00:00+00')",
            // The table's CHECK refuses it; a view mapped onto an ERP table would not.
            "promotions_intensity_out_of_range":
                "ALTER TABLE demand.promotions DROP CONSTRAINT intensity_is_fraction; INSERT INTO demand.promotions VALUES ('I000001', 'L0001', '2026-11-20', 'discount', 'NaN', '2026-11-01 00:00+00')",
            // A feed stamping known_at with the planned date (in the future of the row's own load).
            "prices_known_after_load": "INSERT INTO demand.prices VALUES ('I000001', 'L0001', '2099-01-01', 2.5, '2099-01-01 00:00+00')",
            "promotions_known_after_load": "INSERT INTO demand.promotions VALUES ('I000001', 'L0001', '2099-01-01', 'discount', 0.2, '2099-01-01 00:00+00')",
            // The cutoff's day has not landed yet (the run comes before the day's load).
            "sales_period_landed": "DELETE FROM demand.sales WHERE ds = '2026-11-27'",
            // A weekly series dated on Sundays (week-ending dates) in a weekly run.
            "sales_dates_match_frequency": """
            INSERT INTO demand.items VALUES ('IWEEK', '2025-01-01', NULL, 'snacks', 'family_1', 'weekly');
            INSERT INTO demand.sales SELECT 'IWEEK', 'L0001', d::date, 40, '2026-11-23 02:00+00'
            FROM generate_series(date '2026-09-27', date '2026-11-22', interval '7 days') d
            """,
        ]
        /// Contracts that only apply to weekly runs: seeded and checked in a weekly run (cutoff on a Sunday).
        static let weeklyOnly: Set = ["sales_dates_match_frequency"]
        /// Options of a seeded run. The volume-drop seed (a missing day) is checked on its own:
        /// sales_period_landed would block first, so its share is set to 0 there.
        static func options(seeding name: String) -> RunCoordinator.Options {
            if weeklyOnly.contains(name) { return Fixtures.options(horizon: 4, frequency: .week, cutoff: PostgresDate(iso: "2026-11-22")!) }
            var options = Fixtures.options()
            if name == "sales_volume_drop" { options.config.minLandedShare = 0 }
            return options
        }

        @Test func everyContractFileHasASeededViolation() throws {
            let names = Set(try Contract.loadAll(from: TestDatabase.sql).map(\.name))
            #expect(names == Set(Self.seeds.keys))
            #expect(names.count >= 14)
        }

        @Test(arguments: seeds.keys.sorted())
        func seededViolation(_ name: String) throws {
            let contract = try #require(try Contract.loadAll(from: TestDatabase.sql).first { $0.name == name })
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo()
            try db.execute(Query(unsafeSQL: Self.seeds[name]!))
            let coordinator = Fixtures.coordinator(db)
            let options = Self.options(seeding: name)
            switch contract.severity {
            case .block:
                let error = #expect(throws: PipelineError.self) { try coordinator.run(options) }
                let message = error?.description ?? ""
                #expect(message.hasPrefix("blocked by 1 data contract: \(name) (\(contract.table)): "), "\(message)")
                if name == "sales_dates_match_frequency" {  // the culprit comes first, with its weekday and the rule
                    #expect(
                        message.contains(
                            #"e.g. {"item_id":"IWEEK","location_id":"L0001","sample_ds":"2026-09-27","weekday":"Sunday","problem":"weekly rows not dated on the Monday of their ISO week"}"#
                        ), "\(message)")
                }
                #expect(try db.scalar("SELECT count(*) FROM forecast.forecasts", as: Int.self) == 0)
                #expect(try db.scalar("SELECT count(*) FROM forecast.run_series", as: Int.self) == 0)
                #expect(try db.scalar("SELECT status FROM forecast.runs", as: String.self) == "failed")
                #expect(try db.scalar("SELECT count(*) FROM forecast.latest", as: Int.self) == 0)
            case .warn:
                let summary = try coordinator.run(options)
                #expect(summary.outcome == .published)
                #expect(summary.warnings.contains { $0.contract.name == name })
                #expect(try db.scalar("SELECT status FROM forecast.runs", as: String.self) == "published")
            }
            let violations = try db.scalar(
                Query(
                    """
                    SELECT violations FROM forecast.contract_results WHERE contract = \(name) AND run_id IS NOT NULL
                    """), as: Int.self)
            #expect(violations >= 1)
        }

        /// The SCD coverage rules find their rows hole by hole (index probes per series); on every
        /// shape of version history they return exactly the rows of the rule as stated: sales with
        /// no version covering their date.
        @Test func coverageRulesMatchTheRuleAsStated() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo()
            func versions(_ table: String, _ key: String, _ id: String, _ ranges: [(String, String?)]) -> String {
                "DELETE FROM demand.\(table) WHERE \(key) = '\(id)';"
                    + ranges.map { from, to in
                        """
                        INSERT INTO demand.\(table) SELECT (jsonb_populate_record(NULL::demand.\(table), to_jsonb(v)
                            || jsonb_build_object('\(key)', '\(id)', 'valid_from', '\(from)', 'valid_to', \(to.map { "'\($0)'" } ?? "NULL")))).*
                        FROM (SELECT * FROM demand.\(table) WHERE \(key) = '\(table == "items" ? "I000001" : "L0001")' LIMIT 1) v;
                        """
                    }.joined()
            }
            try db.execute(
                Query(
                    unsafeSQL: [
                        versions("items", "item_id", "I000002", [("2026-09-01", nil)]),  // introduced after its first sales
                        versions("items", "item_id", "I000003", [("2020-01-01", "2026-11-01")]),  // closed before the cutoff
                        versions("items", "item_id", "I000004", [("2020-01-01", "2026-09-10"), ("2026-09-20", nil)]),  // a gap
                        versions("items", "item_id", "I000005", []),  // no version at all
                        versions(
                            "items", "item_id", "I000006",
                            [
                                ("2020-01-01", "2026-10-01"), ("2026-09-01", "2026-09-15"),
                                ("2026-09-20", nil),
                            ]),  // overlaps, no hole
                        versions("items", "item_id", "I000007", [("2020-01-01", "2026-10-01"), ("2026-10-01", nil)]),  // adjacent: no hole
                        versions("locations", "location_id", "L0002", [("2020-01-01", "2026-08-15"), ("2026-08-20", "2026-11-20")]),
                        "INSERT INTO demand.sales VALUES ('I000005', NULL, '2026-10-02', 1, '2026-10-03'), ('I000008', NULL, '2026-10-02', 1, '2026-10-03')",
                        "INSERT INTO demand.sales VALUES (NULL, 'L0002', '2026-08-16', 1, '2026-10-03'), (NULL, 'L0003', '2026-08-16', 1, '2026-10-03')",
                        "INSERT INTO demand.sales VALUES ('I000009', 'L9999', '2026-10-02', 1, '2026-10-03'), ('I999999', 'L0001', '2026-10-02', 1, '2026-10-03')",
                    ].joined(separator: ";\n")))
            let parameters = ContractParameters(
                cutoff: Fixtures.end, asOf: Fixtures.asOf, horizon: 14, frequency: .day,
                staleSLAHours: 36, minVolumeRatio: 0.5, schema: RunConfig().schema)
            let stated = [
                "sales_without_item_version": """
                SELECT s.item_id, s.location_id, s.ds FROM @schema.sales s
                WHERE s.ds <= @cutoff AND s.loaded_at <= @as_of AND s.item_id IS NOT NULL AND NOT EXISTS (
                    SELECT 1 FROM @schema.items i
                    WHERE i.item_id = s.item_id AND i.valid_from <= s.ds AND (i.valid_to IS NULL OR s.ds < i.valid_to))
                """,
                "sales_without_location_version": """
                SELECT s.item_id, s.location_id, s.ds FROM @schema.sales s
                WHERE s.ds <= @cutoff AND s.loaded_at <= @as_of AND s.location_id IS NOT NULL AND NOT EXISTS (
                    SELECT 1 FROM @schema.locations l
                    WHERE l.location_id = s.location_id AND l.valid_from <= s.ds AND (l.valid_to IS NULL OR s.ds < l.valid_to))
                """,
            ]
            let connection = try db.connect()
            defer { connection.close() }
            func rows(_ body: String, _ name: String) throws -> [String] {
                let q = try parameters.render(body, name: name)
                return try connection.query(
                    Query(
                        unsafeSQL: "SELECT concat_ws('|', item_id, location_id, ds) AS k FROM (\(q.sql)) v ORDER BY 1",
                        binds: q.binds, name: name)
                ).rows.map { try $0.decode("k", as: String.self) }
            }
            for contract in try Contract.loadAll(from: TestDatabase.sql) where stated[contract.name] != nil {
                let expected = try rows(stated[contract.name]!, "stated")
                #expect(try rows(contract.body, contract.name) == expected, "\(contract.name)")
                #expect(expected.count > (contract.name == "sales_without_item_version" ? 150 : 50), "\(contract.name): \(expected.count)")
            }
        }

        @Test func uniqueIndexMakesTheDuplicateCheckFreeAndEnforcesTheRule() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo()
            let duplicate = #expect(throws: PostgresError.self) {
                try db.execute("INSERT INTO demand.sales SELECT * FROM (SELECT * FROM demand.sales LIMIT 1) s")
            }
            #expect(duplicate?.sqlState == .uniqueViolation)
            let contract = try #require(try Contract.loadAll(from: TestDatabase.sql).first { $0.name == "sales_duplicate_keys" })
            let parameters = ContractParameters(
                cutoff: Fixtures.end, asOf: Fixtures.asOf, horizon: 14, frequency: .day,
                staleSLAHours: 36, minVolumeRatio: 0.5, schema: SQLIdentifier("demand"))
            let query = try parameters.render(contract.body, name: contract.name)
            let c = try db.connect()
            defer { c.close() }
            let plan = try c.query(Query(unsafeSQL: "EXPLAIN (ANALYZE, COSTS OFF) " + query.sql, binds: query.binds)).rows
                .map { try $0.decode(at: 0, as: String.self) }.joined(separator: "\n")
            #expect(plan.contains("One-Time Filter: (NOT $"), "\(plan)")
            #expect(plan.contains("(never executed)"), "\(plan)")
        }

        /// Contracts run in a read-only transaction: a contract that tries to change data fails
        /// with SQLSTATE 25006 and changes nothing.
        @Test func aContractCannotChangeData() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo()
            let before = try db.scalar("SELECT count(*) FROM demand.sales", as: Int.self)
            let hostile = try Contract(
                file: "hostile.sql",
                text: """
                    -- name: hostile
                    -- table: demand.sales
                    -- severity: warn
                    -- owner: nobody
                    -- description: deletes what it checks
                    DELETE FROM @schema.sales WHERE ds <= @cutoff RETURNING item_id, location_id, ds
                    """)
            let parameters = ContractParameters(
                cutoff: Fixtures.end, asOf: Fixtures.asOf, horizon: 14, frequency: .day,
                staleSLAHours: 36, minVolumeRatio: 0.5, schema: SQLIdentifier("demand"))
            let c = try db.connect()
            defer { c.close() }
            let error = #expect(throws: PostgresError.self) { try ContractRunner(contracts: [hostile]).evaluate(hostile, parameters: parameters, on: c) }
            #expect(error?.sqlState?.code == "25006", "\(String(describing: error))")
            #expect(try db.scalar("SELECT count(*) FROM demand.sales", as: Int.self) == before)
            // The connection is usable afterwards (not left in a failed transaction).
            #expect(try c.query("SELECT 1 AS one").first?.decode("one", as: Int.self) == 1)
        }

        @Test func samplesAreCappedAtFiveAndNameKeys() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo()
            try db.execute(
                "DROP INDEX demand.sales_series_ds_key; INSERT INTO demand.sales SELECT * FROM (SELECT * FROM demand.sales ORDER BY item_id, location_id, ds LIMIT 8) s"
            )
            let error = #expect(throws: PipelineError.self) { try Fixtures.coordinator(db).run(Fixtures.options()) }
            guard case .contractsBlocked(let outcomes)? = error else {
                Issue.record("not blocked")
                return
            }
            let dup = try #require(outcomes.first { $0.contract.name == "sales_duplicate_keys" })
            #expect(dup.violations == 8)
            #expect(dup.samples.count == 5)
            for sample in dup.samples {
                #expect(sample.hasPrefix(#"{"item_id":"I000001","location_id":"L0001","ds":"#), "\(sample)")
                #expect(sample.hasSuffix(#","copies":2}"#), "\(sample)")
            }
        }
    }
}
