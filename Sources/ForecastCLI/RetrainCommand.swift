import ArgumentParser
import Foundation
import Pipeline
import Postgres

struct RetrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retrain",
        abstract: "Work the open retrain requests: train a candidate, judge it, put it in shadow when the gate passes.",
        discussion: HelpText.paragraphs(
            """
            Monitor passes raise retrain requests (forecast.retrain_requests): on schedule, on sustained drift of an
            important feature, or when accuracy falls behind the baseline or the version's own backtest. Each request
            trains the production version's recipe on the newest data (its backtest and gate), registers a candidate
            and, when the gate passes, makes it the shadow version. Production stays a decision:
            `forecastctl promote VERSION --to production` (gated on the shadow's actuals). Schedule it after the
            nightly run (cron); several processes may run it, each request is taken once.

            Examples:
              forecastctl retrain
              forecastctl retrain --limit 1
            """))

    @OptionGroup var global: GlobalOptions

    @Option(parsing: .unconditional, help: "Requests to work at most (default: every available one).")
    var limit: Int?

    func run() throws {
        let connection = try global.migratedConnection()
        defer { connection.close() }
        let trainer = ModelTrainer(sql: try global.sqlDirectory(), logger: global.logger("forecastctl.retrain"), connect: global.connector())
        var done = 0, failed = 0
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1, got \(limit)") }
        while done + failed < (limit ?? .max), let outcome = try RetrainRequests.work(trainer: trainer, on: connection) {
            if let version = outcome.version {
                done += 1
                print(
                    "retrain: request \(outcome.requestID) (\(outcome.rule)): candidate \(version.version), gate \(version.gatePassed ? "passed" : "failed")"
                        + (outcome.shadow
                            ? "; now in shadow: compare in forecast.shadow_comparison, then `forecastctl promote \(version.version) --to production`"
                            : "; left a candidate"))
            } else {
                failed += 1
                printErr("retrain: request \(outcome.requestID) (\(outcome.rule)) failed: \(outcome.error ?? "?")")
            }
        }
        if done + failed == 0 { print("retrain: no open retrain requests") }
        if failed > 0 { throw ExitCode(ExitCodes.runFailed) }
    }
}
