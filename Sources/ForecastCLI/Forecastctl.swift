import ArgumentParser
import Escaping
import Foundation
import Pipeline
import Postgres

/// The `forecastctl` command line, run by the `forecastctl` executable (and by
/// `forecastctl-drill`, the same commands with the drills' seam set).
public struct Forecastctl: ParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "forecastctl",
        abstract: "Demand forecasting worker for PostgreSQL.",
        discussion: HelpText.paragraphs(
            """
            Reads sales and SCD2 dimensions from the "demand" schema as of a cutoff, checks the data
            contracts in sql/contracts, forecasts every item x location with a pool of workers, and
            publishes canonical rows to forecast.forecasts (read them through forecast.latest).

            Connection: --database-url, else $DATABASE_URL, else the standard PG* variables.
            Exit codes: 0 ok, 1 run failed, 2 accuracy gate failed (backtest --gate, promote), 3 service objective missed (objectives), 64 usage, 65 blocked by a data contract, 66 no series,
            69 database unavailable, 70 internal error, 75 transient database error or a different run in flight (retry),
            78 configuration (not migrated, sql/ missing, SQL error), 130/143 stopped by SIGINT/SIGTERM.
            """),
        version: CodeVersion.current,
        subcommands: [
            MigrateCommand.self, DemoDataCommand.self, CheckCommand.self, RunCommand.self, BacktestCommand.self,
            WorkCommand.self, StatusCommand.self, LatestCommand.self, CancelCommand.self, PruneCommand.self,
            PublishCommand.self, TrainCommand.self, ModelsCommand.self, PromoteCommand.self, RollbackCommand.self,
            ModelCardCommand.self, EvaluateCommand.self, MonitorCommand.self, RetrainCommand.self,
            ObjectivesCommand.self, ReportCommand.self, WorkerCommand.self, RetentionCommand.self, RequeueCommand.self,
        ]
    )

    public static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as PipelineError {
            fail(error)
        } catch let error as PostgresError {
            fail(error)
        } catch let error as ArtifactRefused {
            fail(error)
        } catch {
            if String(describing: type(of: error)).hasPrefix("ForecastError") { fail(error) }
            // argument-parser: help and --version (exit 0) and an explicit exit code print as it does.
            let code = exitCode(for: error)
            if code == .success || error is ExitCode { exit(withError: error) }
            // A usage error (an unknown flag, a missing or malformed value) is one line like every
            // other error, with where to read more, instead of a usage block (exit 64).
            usage(message(for: error), code: code.rawValue)
        }
    }

    static func usage(_ message: String, code: Int32) -> Never {
        let lines = message.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let first = lines.first.map { $0.hasPrefix("Error: ") ? String($0.dropFirst(7)) : $0 } ?? "invalid arguments"
        let command = CommandLine.arguments.dropFirst().first { !$0.hasPrefix("-") }.map { " \($0)" } ?? ""
        let hint = command.isEmpty || !Self.configuration.subcommands.contains(where: { " \($0._commandName)" == command }) ? "" : command
        FileHandle.standardError.write(Data("forecastctl: error: \(Escape.terminal(first)) (forecastctl\(hint) --help)\n".utf8))
        Foundation.exit(code)
    }

    static func fail(_ error: Error) -> Never {
        let (line, code) = ExitCodes.classify(error)
        // One line, whatever the error quotes (sample keys, names from tables): no control
        // character or escape sequence reaches the terminal.
        FileHandle.standardError.write(Data("forecastctl: error: \(Escape.terminal(line))\n".utf8))
        Foundation.exit(code)
    }
}
