import Foundation
import Postgres
import Testing

@testable import Pipeline

/// Issue 10, the report: a self-contained HTML page, rendered by headless Chromium, not blank.
extension Integration {
    @Suite struct ReportTests {
        @Test func theReportIsSelfContainedAndRendersInChromium() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo(items: 8, locations: 2)
            let version = try Registry.train(db, "moving_average", label: "moving average")
            _ = try ModelStages.promote(version.version, to: .production, force: false, reason: nil, on: try db.connect())
            for day in ["2026-11-06", "2026-11-13", "2026-11-20"] { _ = try Registry.serve(db, cutoff: PostgresDate(iso: day)!) }
            _ = try Evaluator.evaluate(inputSchema: "demand", on: try db.connect())
            _ = try Registry.serve(db, cutoff: Fixtures.end)
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("report-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: dir) }
            let result = try CLI.run(["report", "--out", dir.path], databaseURL: db.url)
            #expect(result.status == 0, "\(result.stderr)")
            let html = try String(contentsOf: dir.appendingPathComponent("index.html"), encoding: .utf8)
            for section in [
                "Open alerts", "Forecast against actuals", "Accuracy against the baseline", "Accuracy and coverage by horizon",
                "Exceptions", "Volume by region", "Drift (served run", "Service objectives and cost",
            ] {
                #expect(html.contains("<h2>\(section)"), "\(section)")
            }
            #expect(html.contains("model version <b>1.0.0</b>") && html.contains("(top offender)"))
            #expect(html.components(separatedBy: "<svg ").count - 1 >= 10)
            // Planner sections (issue 31, item 7): horizon-wise error and coverage against the nominal level, regions' volume.
            #expect(html.contains("WAPE % by horizon (days ahead)") && html.contains("Interval coverage % by horizon") && html.contains("nominal 80 %"))
            #expect(html.contains("Region ") && html.contains("units per target week") && html.contains("exception rate"))
            // Self-contained: nothing fetched from anywhere.
            #expect(!html.contains("src=\"http") && !html.contains("href=\"http") && !html.contains("<script"))
            #expect(result.stdout.hasPrefix("report: wrote \(dir.path)/index.html ("))

            let check = Process()
            check.executableURL = URL(
                fileURLWithPath: TestDatabase.sql.url.deletingLastPathComponent().appendingPathComponent("ops/scripts/report-check.sh").path)
            check.arguments = [dir.appendingPathComponent("index.html").path]
            let out = Pipe()
            check.standardOutput = out
            check.standardError = out
            try check.run()
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            check.waitUntilExit()
            #expect(check.terminationStatus == 0, "\(text)")
            #expect(text.contains("report-check: 1280x2400 screenshot"), "\(text)")
        }
    }
}
