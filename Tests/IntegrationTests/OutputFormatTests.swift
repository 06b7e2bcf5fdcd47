import Foundation
import Postgres
import Testing

@testable import Pipeline

/// Issue 31, item 1: what the commands list is machine-readable (`--format json|jsonl|csv`), with stable
/// field names (the ones docs/configuration.md lists) and typed values, and a hostile id reaches a spreadsheet as text, not a formula.
extension Integration {
    @Suite struct OutputFormatTests {
        static func json(_ text: String) throws -> Any { try JSONSerialization.jsonObject(with: Data(text.utf8)) }

        @Test func listingsAreJSONAndCSVWithStableFieldNames() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo(items: 4, locations: 2)
            // One item id a spreadsheet would run as a formula, with a comma, a quote and a combining mark.
            let hostile = "=HYPERLINK(\"http://x\",\"é\u{301}\")"
            let c = try db.connect()
            defer { c.close() }
            for table in try c.query(
                """
                SELECT c.table_name FROM information_schema.columns c JOIN information_schema.tables t USING (table_schema, table_name)
                WHERE c.table_schema = 'demand' AND c.column_name = 'item_id' AND t.table_type = 'BASE TABLE'
                """
            ).rows.map({ try $0.decode("table_name", as: String.self) }) {
                try c.execute(Query("UPDATE demand.\(ident: SQLIdentifier(table)) SET item_id = \(hostile) WHERE item_id = 'I000001'"))
            }
            let version = try Registry.train(db, "naive", label: "naive, \"quoted\"")
            _ = try ModelStages.promote(version.version, to: .production, force: false, reason: nil, on: c)
            let run = try Registry.serve(db, horizon: 2)

            let latest = try CLI.run(["latest", "--item", hostile, "--limit", "3", "--format", "csv"], databaseURL: db.url)
            #expect(latest.status == 0, "\(latest.stderr)")
            let lines = latest.stdout.split(separator: "\n")
            #expect(lines.first == "item_id,location_id,ds,horizon,yhat,yhat_lower,yhat_upper,interval_level,model_name,run_id,cutoff")
            #expect(
                lines.count == 4 && lines.dropFirst().allSatisfy { $0.hasPrefix("\"'=HYPERLINK(\"\"http://x\"\",\"\"é\u{301}\"\")\",L000") }, "\(latest.stdout)"
            )
            #expect(latest.stderr.contains("(3 of "), "\(latest.stderr)")

            let rows = try #require(try Self.json(try CLI.run(["latest", "--limit", "2", "--format", "json"], databaseURL: db.url).stdout) as? [[String: Any]])
            #expect(rows.count == 2 && rows[0]["run_id"] as? Int == Int(run.runID) && rows[0]["horizon"] as? Int == 1)
            #expect(rows[0]["yhat"] is Double && rows[0]["interval_level"] as? Double == 0.8)

            // JSON lines: an object per line, the hostile item id intact.
            let stream = try CLI.run(["latest", "--item", hostile, "--limit", "3", "--format", "jsonl"], databaseURL: db.url)
            let objects = try stream.stdout.split(separator: "\n").map { try #require(try Self.json(String($0)) as? [String: Any]) }
            #expect(objects.count == 3 && objects.allSatisfy { $0["item_id"] as? String == hostile && $0["yhat"] is Double }, "\(stream.stdout)")
            DocumentedFields.expect("latest", "latest", rows: objects)
            DocumentedFields.expectHeader("latest", "latest", csv: latest.stdout)
            let jsonlStatus = try CLI.run(["status", "--format", "jsonl"], databaseURL: db.url)
            #expect(jsonlStatus.status == 64 && jsonlStatus.stderr.contains("--format jsonl prints one table"), "\(jsonlStatus.stderr)")

            // A monitor job due for an hour that no daemon took: status names it.
            let job = try db.scalar(
                "INSERT INTO forecast.job_requests (kind, scheduled_at) VALUES ('monitor', clock_timestamp() - interval '1 hour') RETURNING id", as: Int.self)
            let status = try #require(try Self.json(try CLI.run(["status", "--format", "json"], databaseURL: db.url).stdout) as? [String: [[String: Any]]])
            #expect(status["runs"]?.first?["run"] as? Int == Int(run.runID) && status["runs"]?.first?["status"] as? String == "published")
            #expect(status["freshness"]?.first?["frequency"] as? String == "day" && status["freshness"]?.first?["stale"] is Bool)
            let waiting = try #require(status["jobs"]?.first)
            #expect(waiting["job"] as? Int == job && waiting["kind"] as? String == "monitor" && waiting["state"] as? String == "available")
            #expect((waiting["since_seconds"] as? Double).map { $0 >= 3600 && $0 < 3700 } == true, "\(waiting)")
            for table in ["runs", "freshness", "jobs"] { DocumentedFields.expect("status", table, rows: status[table]) }
            let text = try CLI.run(["status"], databaseURL: db.url)
            #expect(text.stdout.contains("WAITING (no monitor daemon?)"), "\(text.stdout)")
            let csv = try CLI.run(["status", "--format", "csv"], databaseURL: db.url)
            #expect(
                csv.status == 64 && csv.stderr.hasPrefix("forecastctl: error: --format csv prints one table; status prints runs, freshness and jobs"),
                "\(csv.stderr)")

            let models = try #require(try Self.json(try CLI.run(["models", "list", "--format", "json"], databaseURL: db.url).stdout) as? [[String: Any]])
            #expect(models.map { $0["version"] as? String } == [version.version] && models[0]["stage"] as? String == "production")
            #expect(models[0]["label"] as? String == "naive, \"quoted\"" && models[0]["gate_passed"] as? Bool == true && models[0]["wape"] is Double)
            DocumentedFields.expect("models list", "models", rows: models)

            let shown = try #require(
                try Self.json(try CLI.run(["models", "show", version.version, "--format", "json"], databaseURL: db.url).stdout) as? [String: [[String: Any]]])
            #expect(shown.keys.sorted() == ["artifacts", "gate", "history", "version"])
            #expect(shown["version"]?.first?["stage"] as? String == "production" && shown["version"]?.first?["horizon"] as? Int == 7)
            #expect(shown["history"]?.contains { $0["to"] as? String == "production" && $0["forced"] as? Bool == false } == true)
            #expect(shown["gate"]?.allSatisfy { $0["passed"] is Bool } == true && shown["gate"]?.isEmpty == false)
            for (table, rows) in shown { DocumentedFields.expect("models show", table, rows: rows) }

            let check = try CLI.run(["check", "--cutoff", "2026-11-27", "--as-of", "2026-11-28T06:00:00Z", "--format", "json"], databaseURL: db.url)
            let contracts = try #require(try Self.json(check.stdout) as? [[String: Any]], "\(check.stdout)\(check.stderr)")
            #expect(contracts.count >= 20 && contracts.allSatisfy { $0["contract"] is String && $0["violations"] is Int && $0["result"] is String })
            #expect(check.stderr.contains("none blocking"), "\(check.stderr)")
            DocumentedFields.expect("check", "contracts", rows: contracts)

            let backtest = try CLI.run(
                [
                    "backtest", "--end", "2026-11-27", "--as-of", "2026-11-28T06:00:00Z", "--folds", "2", "--horizon", "3", "--models", "naive,moving_average",
                    "--no-progress", "--format", "json",
                ], databaseURL: db.url)
            let tables = try #require(try Self.json(backtest.stdout) as? [String: [[String: Any]]], "\(backtest.stdout)\(backtest.stderr)")
            #expect(tables.keys.sorted() == ["backtest", "groups", "overall", "selection"])
            #expect(tables["backtest"]?.first?["folds"] as? Int == 2 && tables["backtest"]?.first?["series"] as? Int == 8)
            #expect(Set(tables["overall"]?.compactMap { $0["model"] as? String } ?? []) == ["Naive", "MovingAverage(28)", "SeasonalNaive(7)", "Selected"])
            // 8 series x 2 folds x 3 horizons; Selected is scored out of sample, on the second fold only.
            #expect(tables["overall"]?.allSatisfy { $0["wape"] is Double && $0["n"] as? Int == ($0["model"] as? String == "Selected" ? 24 : 48) } == true)
            #expect(tables["overall"]?.first { $0["model"] as? String == "Selected" }?["conformal_coverage"] is NSNull)
            #expect(tables["groups"]?.contains { $0["group"] as? String == "fold" && $0["value"] as? String == "1" } == true)
            for (table, rows) in tables { DocumentedFields.expect("backtest", table, rows: rows) }

            let objectives = try CLI.run(["objectives", "--format", "csv"], databaseURL: db.url)
            #expect(objectives.stdout.hasPrefix("frequency,run,cutoff,published_at,deadline,on_time,"), "\(objectives.stdout)")
            DocumentedFields.expectHeader("objectives", "objectives", csv: objectives.stdout)

            let monitor = try CLI.run(["monitor", "--run", String(run.runID), "--format", "json"], databaseURL: db.url)
            let pass = try #require(try Self.json(monitor.stdout) as? [String: [[String: Any]]], "\(monitor.stdout)\(monitor.stderr)")
            #expect(pass.keys.sorted() == ["conditions", "drift", "pass", "resolved"])
            #expect(pass["pass"]?.first?["run_id"] as? Int == Int(run.runID) && pass["pass"]?.first?["psi_values"] is Int)
            #expect(pass["drift"]?.allSatisfy { $0["psi"] is Double && $0["segment_kind"] is String } == true)
            for (table, rows) in pass { DocumentedFields.expect("monitor", table, rows: rows) }

            let retention = try CLI.run(["retention", "--format", "csv"], databaseURL: db.url)
            let plan = retention.stdout.split(separator: "\n")
            #expect(retention.status == 0 && plan.first == "kind,id,frequency,date,status,keep,reason", "\(retention.stdout)\(retention.stderr)")
            #expect(plan.contains { $0.hasPrefix("run,\(run.runID),day,") && $0.contains(",true,") }, "\(retention.stdout)")
            DocumentedFields.expectHeader("retention", "plan", csv: retention.stdout)
        }
    }
}
