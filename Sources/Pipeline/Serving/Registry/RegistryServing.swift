import Forecasting
import Postgres

/// What a run without `--model` serves: the production version of its frequency (or, when its
/// artifacts are refused, the last production version that loads; or the bootstrap seasonal
/// naive when there is none), and the shadow version, if any, beside it.
public enum RegistryServing {
    public struct Resolution: Sendable {
        public var config: RunConfig
        /// What the run serves and why, for the output and `forecast.runs.serving_note`.
        public var notes: [String]
        /// The version that serves, or the bootstrap seasonal naive and why.
        public var serving: Serving
    }

    /// `base`: the run's settings (schema, chunking, timeouts, ...); `horizon` nil: the version's.
    public static func resolve(_ base: RunConfig, cutoff: PostgresDate, horizon: Int?, on connection: Connection) throws -> Resolution {
        var notes: [String] = []
        var config = base
        var bootstrap = true
        let shadow = try ModelRegistry.current(.shadow, frequency: base.frequency, on: connection)
        // The production version, then the earlier ones a fallback may serve.
        let production = try ModelRegistry.current(.production, frequency: base.frequency, on: connection)
        var history: [ModelVersion] = []
        if let production { history = [production] + (try ModelRegistry.earlierProduction(frequency: base.frequency, on: connection)) }
        var refused = 0
        for (i, version) in history.enumerated() {
            // Leakage: a stored artifact trained on data after the cutoff (a backfill) must not serve it.
            if let late = trainedAfter(cutoff, version) {
                notes.append(late)
                continue
            }
            refused += 1
            do {
                try verify(version, schema: base.schema, on: connection)
            } catch let refused as ArtifactRefused {
                notes.append("model version \(version.version): \(refused)")
                continue
            }
            config = try version.policy.applied(to: base, version: version.served, horizon: horizon)
            if i > 0 {
                notes.append("serving model version \(version.version), the last production version whose artifacts load")
            }
            bootstrap = false
            break
        }
        // One reason, the one that holds (issue 29, finding 15: a backfill said both "trained after
        // the cutoff" and "no production model version").
        let reason: Bootstrap? = !bootstrap ? nil : production == nil ? .noProduction : refused == 0 ? .trainedLater : .noneLoads
        if let reason {
            let f = base.frequency.rawValue
            switch reason {
            case .noProduction: notes.append("\(reason.note) for frequency \(f): serving the bootstrap seasonal naive (forecastctl train, then promote)")
            case .trainedLater: notes.append("\(reason.note) \(cutoff) (frequency \(f)): serving the bootstrap seasonal naive")
            case .noneLoads: notes.append("\(reason.note) of frequency \(f): serving the bootstrap seasonal naive")
            }
            // Without a production version the shadow's horizon, so that it can be compared.
            config.horizon = horizon ?? shadow?.horizon ?? base.horizon
        }
        if let shadow, let late = trainedAfter(cutoff, shadow) {
            notes.append("shadow " + late)
        } else if let shadow {
            do {
                try verify(shadow, schema: base.schema, on: connection)
                _ = try shadow.policy.applied(to: config, version: shadow.served, horizon: config.horizon)
                config.shadow = ShadowServing(version: shadow.served, policy: shadow.policy)
                // The snapshot carries the attributes both versions read.
                let extra = (shadow.policy.attributes ?? []).filter { !(config.attributes ?? []).contains($0) }
                if !extra.isEmpty { config.attributes = (config.attributes ?? []) + extra }
            } catch let refused as ArtifactRefused {
                notes.append("shadow version \(shadow.version) not run: \(refused)")
            } catch let error as PipelineError {
                notes.append("shadow version \(shadow.version) not run: \(error)")
            }
        }
        let serving: Serving = reason.map { .bootstrap($0) } ?? config.served.map { .version($0) } ?? .bootstrap(.noneLoads)
        return Resolution(config: config, notes: notes, serving: serving)
    }

    /// Why a run serves the bootstrap seasonal naive: `note` starts its serving note, `label` is
    /// what `run` prints beside the model.
    public enum Bootstrap: Sendable, Equatable {
        case noProduction, trainedLater, noneLoads

        var note: String {
            switch self {
            case .noProduction: return "no model version is in production"
            case .trainedLater: return "no production version was trained by the cutoff"
            case .noneLoads: return "no production version loads"
            }
        }

        public var label: String {
            switch self {
            case .noProduction: return "bootstrap: no production model version"
            case .trainedLater: return "bootstrap: every production version was trained after the cutoff"
            case .noneLoads: return "bootstrap: no production version loads"
            }
        }
    }

    /// Why a version may not serve a run at `cutoff`: its global artifact learned from later data.
    static func trainedAfter(_ cutoff: PostgresDate, _ version: ModelVersion) -> String? {
        guard !version.policy.globalModels.isEmpty, version.trainingCutoff > cutoff else { return nil }
        return
            "model version \(version.version) was trained on data up to \(version.trainingCutoff), after the cutoff \(cutoff): its artifact may not serve this run"
    }

    /// Loads every artifact the version needs (checksum, format, feature schema, booster). Not the
    /// competing prices stored with it: a run serving a version prepares its own (`prepare`).
    static func verify(_ version: ModelVersion, schema: SQLIdentifier, on connection: Connection) throws {
        for spec in version.policy.globalModels {
            _ = try GlobalTraining.load(
                .version(version.id), name: try spec.primaryName(), runInputs: nil, schema: schema, artifactPrices: false, on: connection)
        }
    }

    /// The run-level step of a run serving stored artifacts: the inputs that depend on the run's own data.
    static func prepare(_ run: RunContext, on connection: Connection) throws {
        let (runID, cutoff) = (run.id, run.cutoff)
        var prepared: Set<String> = []
        for c in [run.config] + (run.config.shadowConfig.map { [$0] } ?? []) {
            guard let served = c.served else { continue }
            for spec in c.globalModels where prepared.insert("\(served.id) \(try spec.primaryName())").inserted {
                try GlobalTraining.prepareInputs(
                    runID: runID, versionID: served.id, name: try spec.primaryName(), cutoff: cutoff,
                    config: c, on: connection)
            }
        }
    }
}
