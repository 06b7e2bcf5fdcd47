import Foundation
import Postgres
import Testing

@testable import Pipeline

/// The runbook's model-lifecycle procedures, read from ops/RUNBOOK.md and run line by line with
/// their placeholders filled in: if a command in the runbook stops working, this test fails.
extension Integration {
    @Suite struct RunbookProcedureTests {
        /// The first ```sh block after `### title`, one command per line.
        static func procedure(_ title: String) throws -> [String] {
            let runbook = try String(
                contentsOf: TestDatabase.sql.url.deletingLastPathComponent()
                    .appendingPathComponent("ops/RUNBOOK.md"), encoding: .utf8)
            guard let heading = runbook.range(of: "\n### \(title)\n"),
                let open = runbook.range(of: "```sh\n", range: heading.upperBound..<runbook.endIndex),
                let close = runbook.range(of: "```", range: open.upperBound..<runbook.endIndex)
            else {
                throw PipelineError.configuration("ops/RUNBOOK.md has no sh block under '### \(title)'")
            }
            return runbook[open.upperBound..<close.lowerBound].split(separator: "\n").map(String.init)
        }

        /// Shell-like words: spaces separate, double quotes group.
        static func words(_ line: String) -> [String] {
            var out: [String] = [], current = "", quoted = false, any = false
            for ch in line {
                if ch == "\"" {
                    quoted.toggle()
                    any = true
                    continue
                }
                if ch == " " && !quoted {
                    if any || !current.isEmpty { out.append(current) }
                    current = ""
                    any = false
                    continue
                }
                current.append(ch)
            }
            if any || !current.isEmpty { out.append(current) }
            return out
        }

        struct Runner {
            let db: TestDatabase
            let dir: URL
            var values: [String: String]
            /// After a failover: the server the commands now run against.
            var url: String?
            /// Environment of `ops/scripts/...` lines.
            var scriptEnv: [String: String] = [:]

            /// Runs every line; returns the stdout of each.
            mutating func run(_ lines: [String], extra: [String: [String]] = [:]) throws -> [String] {
                var outputs: [String] = []
                for line in lines {
                    var text = line
                    for (key, value) in values { text = text.replacingOccurrences(of: key, with: value) }
                    var args = Self.split(text)
                    let tool = args.removeFirst()
                    if tool.hasPrefix("ops/scripts/") {
                        let result = try Shell.run([tool] + args, env: scriptEnv)
                        #expect(result.status == 0, "`\(text)` exited \(result.status): \(result.stderr)")
                        outputs.append(result.stdout)
                        continue
                    }
                    if tool == "psql" {
                        #expect(args.count == 3 && args[0] == "$DATABASE_URL" && args[1] == "-c", "\(line)")
                        let c = try url.map { try Connection.connect($0) } ?? db.connect()
                        defer { c.close() }
                        let rows = try c.query(Query(unsafeSQL: args[2])).rows
                        #expect(!rows.isEmpty, "\(line) returned no rows")
                        outputs.append("\(rows.count) rows")
                        continue
                    }
                    #expect(tool == "forecastctl", "\(line)")
                    args += extra[args[0]] ?? []
                    let result = try CLI.run(args, databaseURL: url ?? db.url)
                    #expect(result.status == 0, "`\(text)` exited \(result.status): \(result.stderr)")
                    outputs.append(result.stdout)
                    if args[0] == "train", let range = result.stdout.range(of: #"registered model version [0-9.]+"#, options: .regularExpression) {
                        values["<version>"] = String(result.stdout[range].split(separator: " ").last!)
                    }
                }
                return outputs
            }

            static func split(_ line: String) -> [String] { RunbookProcedureTests.words(line) }
        }

        @Test func deployRollBackTheModelAndRollBackTheNumbersAsWritten() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo(items: 8, locations: 2)
            try db.moveLoads()
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("runbook-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            let gate = dir.appendingPathComponent("gate.json")
            try JSONEncoder().encode(Registry.lenientGate).write(to: gate)
            // Small-data settings for the backtest (the runbook's defaults are for production catalogues).
            let extra = [
                "train": ["--candidates", "naive,moving_average,croston_sba", "--folds", "3", "--gate", gate.path, "--no-progress"],
                "run": ["--no-progress"],
            ]
            let bootstrap = try CLI.run(["run", "--cutoff", "2026-11-25", "--no-progress"], databaseURL: db.url)
            #expect(bootstrap.status == 0 && bootstrap.stdout.contains("(bootstrap: no production model version)"), "\(bootstrap.stdout)")
            let bootstrapRun = try db.scalar("SELECT max(id) FROM forecast.runs", as: Int64.self)

            var runner = Runner(
                db: db, dir: dir,
                values: [
                    "<what changed>": "runbook test", "<why>": "runbook test",
                    "yesterday": "2026-11-26", "model-card-": dir.path + "/model-card-",
                    "<run-id>": String(bootstrapRun),
                ])
            let deploy = try Self.procedure("Deploy a new model")
            #expect(deploy.count == 7 && deploy[0].hasPrefix("forecastctl train"))
            var out = try runner.run(deploy, extra: extra)
            #expect(runner.values["<version>"] == "1.0.0")
            #expect(out[3].contains("shadow      1.0.0"), "\(out[3])")
            #expect(out[5].contains("promote: 1.0.0 shadow -> production (day)"), "\(out[5])")
            let card = try String(contentsOf: dir.appendingPathComponent("model-card-1.0.0.md"), encoding: .utf8)
            #expect(card.hasPrefix("# Model card: 1.0.0 \"runbook test\""))
            #expect(card.contains("## Known limitations") && card.contains("## Monitoring: what counts as bad"))

            // A second deployment the next night: the retrain of the same recipe is 1.1.0.
            runner.values["yesterday"] = "2026-11-27"
            out = try runner.run(deploy, extra: extra)
            #expect(runner.values["<version>"] == "1.1.0")
            #expect(out[3].contains("model       1.0.0 (production)") && out[3].contains("shadow      1.1.0"), "\(out[3])")
            #expect(try db.scalar("SELECT min(model_version) FROM forecast.latest", as: String.self) == "1.0.0")

            let rollback = try Self.procedure("Roll back the model")
            out = try runner.run(rollback, extra: extra)
            #expect(out[1].hasPrefix("rollback: 1.0.0 is production again (day); 1.1.0 archived."), "\(out[1])")
            #expect(out[2].contains("model       1.0.0 (production)"), "\(out[2])")
            #expect(try db.scalar("SELECT min(model_version) || max(model_version) FROM forecast.latest", as: String.self) == "1.0.01.0.0")

            let numbers = try Self.procedure("Roll back the numbers")
            #expect(numbers.count == 4)
            out = try runner.run(Array(numbers.prefix(3)), extra: extra)
            #expect(try db.scalar("SELECT DISTINCT run_id FROM forecast.latest", as: Int64.self) == bootstrapRun)
            out = try runner.run([numbers[3]], extra: extra)
            #expect(try db.scalar("SELECT DISTINCT run_id FROM forecast.latest", as: Int64.self) != bootstrapRun)
        }
    }
}
