import ArgumentParser
import Forecasting
import Pipeline

struct PublishCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Pin forecast.latest to an earlier published run (rollback of outputs), or --unpin.",
        discussion: HelpText.paragraphs(
            """
            `publish --run ID --reason "..."` makes forecast.latest and forecast.freshness serve run ID (published \
            or superseded) for its frequency, in one transaction; new runs still publish but are not served until \
            `publish --unpin --reason "..."`. Every pin and unpin is recorded in forecast.output_pin_events.

            Examples:
              forecastctl publish --run 41 --reason "run 42 read a bad price file"
              forecastctl publish --unpin --frequency day --reason "run 43 is fixed"
            """))

    @OptionGroup var global: GlobalOptions

    @Option(name: .customLong("run"), help: "The run to serve (see `forecastctl status`).")
    var runID: Int64?

    @Flag(help: "Serve the newest published run again.")
    var unpin = false

    @Option(help: "With --unpin: the frequency to unpin (day or week).")
    var frequency = Frequency.day

    @Option(help: "Why (required; recorded with your database role and OS user).")
    var reason = ""

    func validate() throws {
        guard (runID != nil) != unpin else { throw ValidationError("give either --run ID or --unpin") }
    }

    func run() throws {
        let connection = try global.migratedConnection()
        defer { connection.close() }
        if let runID {
            let p = try OutputPins.pin(runID: runID, reason: reason, on: connection)
            print(
                "publish: forecast.latest (\(p.frequency)) now serves run \(p.runID) (cutoff \(p.cutoff), \(p.rows) rows)"
                    + (p.previousRunID.map { " instead of run \($0)" } ?? "")
                    + "; undo with `forecastctl publish --unpin --frequency \(p.frequency) --reason ...`")
        } else {
            let now = try OutputPins.unpin(frequency: frequency, reason: reason, on: connection)
            print("publish: forecast.latest (\(frequency)) is unpinned; it serves " + (now.map { "run \($0)" } ?? "no run yet"))
        }
    }
}
