import ArgumentParser
import Forecasting
import Foundation
import Pipeline
import Postgres

struct DemoDataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo-data",
        abstract: "Replace the input tables with a synthetic catalogue (deterministic per seed and end date).",
        discussion: HelpText.paragraphs(
            """
            Weekly and yearly seasonality, trend, fast movers and intermittent slow movers,
            promotions announced 14 days ahead, price changes planned 30 days ahead, stockout spells
            (no sales, flagged in demand.inventory), new and discontinued items, re-categorised items
            (a second SCD version), a location that changed region, and a few returns.
            WARNING: truncates every table of the input schema first.

            Examples:
              forecastctl demo-data --items 50 --locations 4 --days 365
              forecastctl demo-data --frequency week --input-schema demo_weekly
            """))

    @OptionGroup var global: GlobalOptions

    @Option(help: "Number of items.")
    var items = 200

    @Option(help: "Number of locations (every item is sold at every location).")
    var locations = 10

    @Option(help: "Days of history.")
    var days = 730

    @Option(help: "Random seed.")
    var seed: UInt64 = 42

    @Option(help: "Last day of history (default: yesterday, UTC).")
    var end: PostgresDate?

    @Option(name: .customLong("input-schema"), help: "Schema to fill.")
    var inputSchema = "demand"

    @Option(help: "day, or week: sales as weekly totals dated on each ISO week's Monday (the end must be a Sunday).")
    var frequency: Frequency = .day

    func run() throws {
        let endDate = end ?? PostgresDate(unixDays: Int(Date().timeIntervalSince1970 / 86400) - 1)
        var spec = DemoSpec(items: items, locations: locations, days: days, end: endDate, seed: seed)
        spec.frequency = frequency
        try frequency.validateCutoff(endDate, subject: "a weekly catalogue needs an end date")
        let connection = try global.migratedConnection()
        defer { connection.close() }
        let started = Date()
        var lastPrint = Date.distantPast
        let report = try DemoLoader(spec: spec, schema: SQLIdentifier(inputSchema)).load(on: connection) { done, total, rows in
            guard Date().timeIntervalSince(lastPrint) >= 2 || done == total else { return }
            lastPrint = Date()
            let elapsed = Date().timeIntervalSince(started)
            printErr("demo-data: series \(done)/\(total), \(rows) sales rows, \(Int(Double(rows) / max(elapsed, 0.001))) rows/s")
        }
        print(
            """
            demo-data: \(report.series) series (\(items) items x \(locations) locations), \(spec.start) .. \(endDate), seed \(seed)
              sales \(report.sales), prices \(report.prices), promotions \(report.promotions), inventory (stockouts) \(report.inventory)
              items \(report.items) versions, locations \(report.locations) versions, calendar \(report.calendar) days
              time \(String(format: "%.1f", report.seconds)) s
            """)
    }
}
