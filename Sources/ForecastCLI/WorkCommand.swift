import ArgumentParser
import Foundation
import Pipeline

struct WorkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "work",
        abstract: "Join a run in flight as extra workers (from this or another host).",
        discussion: HelpText.paragraphs(
            """
            Examples:
              forecastctl work --run 42 --workers 4
            """))

    @OptionGroup var global: GlobalOptions

    @Option(name: .customLong("run"), help: "The run id to work on (see `forecastctl status`).")
    var runID: Int64

    @Option(help: "Worker threads in this process.")
    var workers = 2

    func run() throws {
        StopSignal.shared.install()
        guard workers >= 1 else { throw ValidationError("--workers must be at least 1, got \(workers)") }
        let connection = try global.migratedConnection()
        defer { connection.close() }
        let record = try RunStore.load(runID, on: connection)
        let status = try WorkerPool.run(
            record, count: workers, namePrefix: WorkerPool.processName, logger: global.logger("forecastctl.work"),
            connect: global.connector())
        let final = try RunStore.load(runID, on: connection)
        switch status {
        case .published, .superseded: print("work: run \(runID) is \(status.rawValue)")
        default: throw PipelineError.runFailed(runID: runID, reason: final.error ?? status.rawValue)
        }
    }
}
