import Foundation
import Postgres
import Testing

@testable import Pipeline

/// Issue 29, findings 3, 11, 12: hostile names from the tables reach the report, the model card,
/// the terminal and the monitor's array parameters escaped; output files are not written through
/// symbolic links.
extension Integration {
    @Suite struct HostileNameTests {
        /// `"` + U+0301 is one Character that is not `"`: a Character-wise escaper let it out of an
        /// attribute, and Chromium ran the handler.
        static let payload = "\"\u{301} onload=document.body.setAttribute('data-owned','1') x=\"\u{301}"

        /// Tags (the text between `<` and `>`, by scalars) that carry an event handler attribute.
        /// (Without the escaping by scalars, the payload's quote closed `aria-label` and `onload`
        /// became an attribute name.)
        static func tagsWithHandlers(_ html: String) -> [String] {
            // Quoted attribute values are values, whatever they say; what is left are names.
            html.unicodeScalars.split(separator: "<").map { String(String.UnicodeScalarView($0.prefix { $0 != ">" })) }
                .map { $0.replacingOccurrences(of: #""[^"]*""#, with: "\"\"", options: .regularExpression) }
                .filter { $0.range(of: #"\son[a-z]+\s*="#, options: .regularExpression) != nil }
        }

        /// Chromium's DOM after load: whether any script ran.
        static func domAfterLoad(_ file: URL) throws -> String {
            let result = try Shell.run([
                "-c",
                """
                profile="$(mktemp -d)"; trap 'rm -rf "$profile"' EXIT
                timeout 120 chromium --headless --no-sandbox --disable-gpu --user-data-dir="$profile" --dump-dom "file://$1" 2>/dev/null
                """, "dom", file.path,
            ])
            #expect(result.status == 0, "\(result.stderr)")
            return result.stdout
        }

        @Test func hostileNamesAreEscapedInTheReportAndMonitoringGoesOn() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo(items: 12, locations: 2)  // 24 series: the region is a drift segment (20 or more)
            // One item id and one region name carry the payload, in every table that holds them.
            let c = try db.connect()
            defer { c.close() }
            let item = try c.query("SELECT min(item_id) AS i FROM demand.sales").rows[0].decode("i", as: String.self)
            for table in try c.query(
                """
                SELECT table_name FROM information_schema.columns WHERE table_schema = 'demand' AND column_name = 'item_id'
                  AND table_name IN (SELECT table_name FROM information_schema.tables WHERE table_schema = 'demand' AND table_type = 'BASE TABLE')
                """
            ).rows.map({ try $0.decode("table_name", as: String.self) }) {
                try c.execute(
                    Query("UPDATE \(ident: SQLIdentifier("demand")).\(ident: SQLIdentifier(table)) SET item_id = \(Self.payload) WHERE item_id = \(item)"))
            }
            try c.execute(Query("UPDATE demand.locations SET region = \(Self.payload + " region")"))
            // Runs serving the registry end with the monitor pass; drift needs earlier runs to compare with.
            let version = try Registry.train(db, "naive", label: "naive")
            _ = try ModelStages.promote(version.version, to: .production, force: false, reason: nil, on: c)
            for day in ["2026-11-13", "2026-11-20"] { _ = try Registry.serve(db, horizon: 7, cutoff: PostgresDate(iso: day)!) }
            let run = try Registry.serve(db, horizon: 7)
            #expect(run.monitor != nil)
            // The monitor's segment arrays carried the region: it ran (22P02 before).
            #expect(
                try db.scalar(
                    Query("SELECT count(*) FROM forecast.drift_results WHERE run_id = \(run.runID) AND segment = \(Self.payload + " region")"),
                    as: Int.self) > 0)

            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hostile-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: dir) }
            let report = try CLI.run(["report", "--out", dir.path], databaseURL: db.url)
            #expect(report.status == 0, "\(report.stderr)")
            let file = dir.appendingPathComponent("index.html")
            let html = try String(contentsOf: file, encoding: .utf8)
            #expect(
                html.contains("&quot;\u{301} onload&#61;document.body.setAttribute(&#39;data-owned&#39;,&#39;1&#39;)"), "the payload is in the page, escaped")
            #expect(Self.tagsWithHandlers(html).isEmpty, "\(Self.tagsWithHandlers(html))")
            #expect(html.contains("<meta http-equiv=\"Content-Security-Policy\" content=\"\(OpsReport.contentSecurityPolicy)\">"))
            #expect(html.contains("<h2>Drift (served run \(run.runID))</h2>"))
            let dom = try Self.domAfterLoad(file)
            #expect(dom.contains("Demand forecast: operations report"), "\(dom.prefix(300))")
            #expect(!dom.contains("data-owned=\"1\"") && Self.tagsWithHandlers(dom).isEmpty, "\(Self.tagsWithHandlers(dom))")
        }

        /// The policy alone stops a script that escaped its escaping; the same page without it runs
        /// the script (so the probe can see one).
        @Test func theContentSecurityPolicyStopsInjectedScripts() throws {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("csp-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            let injected =
                "<p>x</p><script>document.body.setAttribute('data-owned','1')</script>"
                + "<svg onload=\"document.body.setAttribute('data-owned2','1')\"></svg>"
            let withPolicy = dir.appendingPathComponent("with.html"), without = dir.appendingPathComponent("without.html")
            let page = OpsReport.page(injected)
            try Data(page.utf8).write(to: withPolicy)
            try Data(page.replacingOccurrences(of: OpsReport.contentSecurityPolicy, with: "default-src *; script-src 'unsafe-inline'").utf8).write(to: without)
            let blocked = try Self.domAfterLoad(withPolicy), ran = try Self.domAfterLoad(without)
            #expect(ran.contains("data-owned=\"1\"") && ran.contains("data-owned2=\"1\""), "\(ran.prefix(400))")
            #expect(blocked.contains("<p>x</p>") && !blocked.contains("data-owned=\"1\"") && !blocked.contains("data-owned2=\"1\""), "\(blocked.prefix(400))")
        }

        @Test func labelsReachTheCardAndTheTerminalEscaped() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo(items: 6, locations: 2)
            let label = "x\n# owned <img src=x onerror=alert(1)> | \u{1B}]0;title\u{7}\u{1B}[2J"
            let version = try Registry.train(db, "naive", label: label)
            let list = try CLI.run(["models", "list"], databaseURL: db.url)
            #expect(list.status == 0, "\(list.stderr)")
            #expect(!list.stdout.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 }, "\(list.stdout.debugDescription)")
            #expect(list.stdout.contains("x\\u{a}# owned <img src=x onerror=alert(1)> | \\u{1b}]0;title\\u{7}\\u{1b}[2J"), "\(list.stdout)")
            let show = try CLI.run(["models", "show", version.version], databaseURL: db.url)
            #expect(show.status == 0 && !show.stdout.unicodeScalars.contains { $0.value == 0x1B }, "\(show.stdout.debugDescription)")
            let card = try CLI.run(["model-card", version.version], databaseURL: db.url)
            #expect(card.status == 0, "\(card.stderr)")
            let lines = card.stdout.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(
                lines.first == "# Model card: \(version.version) \"x \\# owned \\<img src\\=x onerror\\=alert\\(1\\)\\> \\| \u{20}\\]0\\;title \u{20}\\[2J\"")
            #expect(!lines.contains { $0.hasPrefix("# owned") } && !card.stdout.contains(" onerror=") && !card.stdout.contains("\u{1B}"))
            // A warning quotes a sample key: JSON leaves C1 controls (U+009B is a CSI) and bidi
            // overrides as they are; stderr does not.
            try db.execute(Query("INSERT INTO demand.prices VALUES (\("I\u{9B}2J\u{202E}x"), 'L0001', '2099-01-01', 2.5, '2099-01-01 00:00+00')"))
            let run = try CLI.run(
                [
                    "run", "--cutoff", "2026-11-27", "--as-of", "2026-11-28T06:00:00Z", "--horizon", "7", "--model", "naive",
                    "--no-progress",
                ], databaseURL: db.url)
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stderr.contains("warning: prices_known_after_load") && run.stderr.contains("I\\u{9b}2J\\u{202e}x"), "\(run.stderr)")
            #expect(!run.stderr.unicodeScalars.contains { $0.value == 0x9B || $0.value == 0x202E })
        }

        @Test func outputFilesAreNotWrittenThroughSymbolicLinks() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo(items: 4, locations: 1)
            let version = try Registry.train(db, "naive", label: "naive")
            let root = FileManager.default.temporaryDirectory.appendingPathComponent("links-\(UUID().uuidString)")
            let out = root.appendingPathComponent("out"), secret = root.appendingPathComponent("secret")
            try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: root) }
            try Data("keep me".utf8).write(to: secret)
            chmod(secret.path, 0o600)
            // A link to a file outside, and a dangling link.
            try FileManager.default.createSymbolicLink(atPath: out.appendingPathComponent("index.html").path, withDestinationPath: secret.path)
            try FileManager.default.createSymbolicLink(
                atPath: out.appendingPathComponent("card.md").path,
                withDestinationPath: root.appendingPathComponent("created-through-link").path)
            let report = try CLI.run(["report", "--out", out.path], databaseURL: db.url)
            #expect(report.status == 73, "\(report.stderr)")
            #expect(report.stderr.contains("refusing to write \(out.path)/index.html: it is a symbolic link"), "\(report.stderr)")
            let card = try CLI.run(["model-card", version.version, "--output", out.appendingPathComponent("card.md").path], databaseURL: db.url)
            #expect(card.status == 73, "\(card.stderr)")
            #expect(try String(contentsOf: secret, encoding: .utf8) == "keep me")
            #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("created-through-link").path))
            // Without the links: written, mode 0644, no temporary file left.
            try FileManager.default.removeItem(at: out.appendingPathComponent("card.md"))
            let written = try CLI.run(["model-card", version.version, "--output", out.appendingPathComponent("card.md").path], databaseURL: db.url)
            #expect(written.status == 0, "\(written.stderr)")
            let attributes = try FileManager.default.attributesOfItem(atPath: out.appendingPathComponent("card.md").path)
            #expect((attributes[.posixPermissions] as? Int) == 0o644)
            #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).sorted() == ["card.md", "index.html"])
        }
    }
}
