import ArgumentParser
import Escaping
import Forecasting
import Foundation
import Pipeline
import Postgres

extension ModelVersion.Stage: ExpressibleByArgument {}

struct PromoteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promote",
        abstract: "Move a model version to shadow, production or archived.",
        discussion: HelpText.paragraphs(
            """
            --to shadow: the next runs also write its forecasts to forecast.side_forecasts (never to
            forecast.latest); compare in forecast.shadow_comparison. The shadow it replaces goes back to candidate.
            --to production: only if the accuracy gate passed on its backtest and, once its shadow forecasts
            have actuals, it is not worse than the served version on them; --force --reason overrides (recorded).
            The production version it replaces is archived; `forecastctl rollback` brings it back.
            Every change is recorded in forecast.model_stage_events with your database role and OS user.

            Examples:
              forecastctl promote 1.3.0 --to shadow
              forecastctl promote 1.3.0 --to production --force \\
                --reason "gate fails on class new only"
            """))

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The version, e.g. 1.2.0 (see `forecastctl models list`).")
    var version: String

    @Option(help: "shadow, production or archived.")
    var to: ModelVersion.Stage

    @Flag(help: "Promote although the gate fails (needs --reason).")
    var force = false

    @Option(help: "Why (required with --force; recorded).")
    var reason: String?

    @Option(name: .customLong("input-schema"), help: "Schema holding the sales the shadow forecasts are judged on.")
    var inputSchema = "demand"

    func run() throws {
        let connection = try global.migratedConnection()
        defer { connection.close() }
        let change: ModelStages.Change
        do {
            change = try ModelStages.promote(version, to: to, force: force, reason: reason, inputSchema: SQLIdentifier(inputSchema), on: connection)
        } catch let blocked as ModelStages.GateBlocked {
            print(Self.table(blocked.checks))
            printErr("forecastctl: error: \(blocked)")
            throw ExitCode(ExitCodes.gateFailed)
        }
        if !change.checks.isEmpty { print(Self.table(change.checks)) }
        var line = "promote: \(change.version.version) \(change.from.rawValue) -> \(change.to.rawValue) (\(change.version.frequency.rawValue))"
        if change.forced { line += ", FORCED past the gate" }
        if let replaced = change.replaced {
            line += "; \(replaced.version) \(change.to == .production ? "archived" : "back to candidate")"
        }
        print(line)
        switch change.to {
        case .production:
            print(
                "promote: the next run serves \(change.version.version); rows name it in model_version. Undo: forecastctl rollback --frequency \(change.version.frequency.rawValue)"
            )
        case .shadow: print("promote: the next run also writes \(change.version.version)'s forecasts; compare: SELECT * FROM forecast.shadow_comparison")
        default: break
        }
    }

    static func table(_ checks: [GateCheckRecord]) -> String {
        var table = TextTable(header: ["gate check", "required", "actual", "result"])
        for c in checks { table.add([c.name, c.required, c.actual, c.passed ? "pass" : "FAIL"]) }
        return table.render()
    }
}

struct RollbackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback",
        abstract: "Make the previous production model version production again.",
        discussion: HelpText.paragraphs(
            """
            Archives the current production version of the frequency and restores the one that was in
            production before it, in one transaction (recorded in forecast.model_stage_events). The next run
            serves it. Numbers already published are not changed: to serve an earlier run's rows now, use
            `forecastctl publish --run ID --reason "..."`.

            Examples:
              forecastctl rollback --frequency day --reason "1.3.0 overforecasts promotions"
            """))

    @OptionGroup var global: GlobalOptions

    @Option(help: "day or week.")
    var frequency: Frequency = .day

    @Option(help: "Why (required, as for publish; recorded with your database role and OS user).")
    var reason: String

    func run() throws {
        guard !reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw PipelineError.invalidArgument("--reason is required: say why the model changes (it is recorded)")
        }
        let connection = try global.migratedConnection()
        defer { connection.close() }
        let change = try ModelStages.rollback(frequency: frequency, reason: reason, on: connection)
        print(
            "rollback: \(change.version.version) is production again (\(frequency.rawValue)); \(change.replaced?.version ?? "?") archived. The next run serves \(change.version.version)."
        )
    }
}

struct ModelCardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model-card",
        abstract: "Write a model version's card (Markdown) from the registry.",
        discussion: HelpText.paragraphs(
            """
            Intended use, data window and sources, features with lineage, accuracy against the baseline by segment and
            horizon, interval coverage, the gate, known limitations, monitoring thresholds and stage history.

            Examples:
              forecastctl model-card 1.3.0 --out card-1.3.0.md
            """))

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The version, e.g. 1.2.0.")
    var version: String

    @Option(name: [.customShort("o"), .customLong("out"), .customLong("output")], help: "Write to this file (default: stdout); --output is the older name.")
    var output: String?

    func run() throws {
        let connection = try global.migratedConnection()
        defer { connection.close() }
        let card = try ModelCard.render(version, on: connection)
        if let output {
            try SafeFile.write(Data(card.utf8), to: output)
            print("model-card: wrote \(Escape.terminal(output))")
        } else {
            print(card, terminator: "")
        }
    }
}
