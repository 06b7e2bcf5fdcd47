import Forecasting
import Foundation
import Logging
import Postgres

/// `forecastctl train`: backtests a forecasting policy against seasonal naive, judges it with the
/// accuracy gate, trains its global artifacts (if any) on all data up to the newest date, and
/// registers the result as a candidate model version with its lineage. Nothing is served until
/// the version is promoted.
public struct ModelTrainer: MadeWithServices {
    public struct Options: Sendable {
        /// The backtest that qualifies the policy (its models: the policy's own, or the
        /// candidates a per-class selection chooses from).
        public var backtest: BacktestOptions
        /// One model, or `selected` (per demand class, from `backtest.models`).
        public var model: ModelSpec
        public var label: String
        /// Nil: the next version (`ModelRegistry.nextVersion`).
        public var version: String?
        public var gate: AccuracyGate

        public init(backtest: BacktestOptions, model: ModelSpec, label: String, version: String? = nil, gate: AccuracyGate) {
            self.backtest = backtest
            self.model = model
            self.label = label
            self.version = version
            self.gate = gate
        }
    }

    public struct Result: Sendable {
        public let version: ModelVersion
        public let report: BacktestReport
        public let checks: [AccuracyGate.Check]
        public let artifacts: [String]
    }

    public let services: Services
    public init(services: Services) { self.services = services }

    public func train(_ options: Options) throws -> Result {
        let label = options.label.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !label.isEmpty, label.count <= 80 else {
            throw PipelineError.invalidSetting(.label, "must be 1 to 80 characters: a short human name, e.g. \"weekly xgboost with prices\"")
        }
        if let v = options.version, v.range(of: #"^[0-9]+\.[0-9]+\.[0-9]+$"#, options: .regularExpression) == nil {
            throw PipelineError.invalidSetting(.version, "must be a semantic version MAJOR.MINOR.PATCH, got '\(v)'")
        }
        guard options.backtest.plan.gap == 0 else {
            throw PipelineError.invalidArgument("train backtests without a gap: runs forecast from their cutoff")
        }
        var backtest = options.backtest
        if options.model.kind != .selected { backtest.models = [options.model] }
        let frequency = backtest.frequency
        let report = try BacktestRunner(services: services).run(backtest)
        let connection = try connect()
        defer { connection.close() }

        var policy = ForecastPolicy(
            frequency: frequency, horizon: backtest.plan.horizon, model: options.model,
            intervalLevel: backtest.intervalLevel, calibrationBacktestID: report.id,
            attributes: backtest.attributes.isEmpty ? nil : backtest.attributes)
        policy.quantileLevels = backtest.extraLevels.isEmpty ? nil : backtest.extraLevels
        var gate = options.gate
        let modelName: ModelName
        if options.model.kind == .selected {
            policy.selection = try Calibrations.selection(backtestID: report.id, on: connection)
            gate.candidate = "selected"
            modelName = .selected
        } else {
            modelName = try options.model.primaryName()
            gate.candidate = modelName.text
        }
        let checks = try gate.evaluate(report, folds: backtest.plan.folds)
        let served = policy.selection.map { s in Array(Set(s.values.compactMap { try? $0.primaryName() })).sorted() } ?? [modelName]
        var metrics = VersionMetrics.from(
            report, model: modelName, served: served, folds: backtest.plan.folds,
            horizon: backtest.plan.horizon, level: backtest.intervalLevel)
        metrics.horizons = try VersionMetrics.horizonErrors(backtestID: report.id, model: modelName, folds: metrics.folds, on: connection)
        let run = try connection.query(
            Query(
                """
                SELECT end_date, as_of FROM forecast.backtests WHERE id = \(report.id)
                """
            ).named("backtest_window")
        ).first!
        let end = try run.decode("end_date", as: PostgresDate.self)
        let asOf = try run.decode("as_of", as: PostgresTimestamp.self)
        // The deployed artifact learns from every period up to the newest date, not only the folds'.
        let started = Date()
        let say = ProgressReporter.lines(prefix: "train: artifact: ", when: backtest.showProgress)
        let artifacts = try GlobalTraining.train(
            policy.globalModels, source: .backtest, id: report.id, cutoff: end, asOf: asOf,
            horizon: policy.horizon, frequency: frequency, level: policy.intervalLevel,
            schema: SQLIdentifier(backtest.inputSchema), attributes: backtest.attributes,
            progress: say, on: connection)
        if !artifacts.isEmpty { say?("\(artifacts.map(\.name).joined(separator: ", ")) trained in \(Int(Date().timeIntervalSince(started))) s") }
        let version = try register(
            policy: policy, options: options, backtest: backtest, report: report, checks: checks,
            metrics: metrics, artifacts: artifacts, end: end, asOf: asOf, label: label, on: connection)
        return Result(version: version, report: report, checks: checks, artifacts: artifacts.map(\.name))
    }

    /// The recipe a version line shares: what is chosen, not what training found.
    struct Recipe: Codable {
        let frequency: Frequency, horizon: Int, model: ModelSpec, candidates: [ModelSpec], level: Double, attributes: [String]
    }

    /// How a version was trained (`model_versions.train_config`): what a retrain repeats.
    struct TrainConfig: Codable {
        let recipe: Recipe, folds: Int, step: Int, gap: Int, window: Int?, selectionMetric: SelectionMetric, structureSelection: StructureSelection
        let gate: AccuracyGate, inputSchema: String
        /// Days between the backtest's refits of the global models (nil: versions trained before it was recorded, every fold).
        var refitDays: Int?

        /// The options that train this recipe again on the newest data.
        func options(label: String) throws -> Options {
            let plan = try BacktestPlan(
                folds: folds, step: step, horizon: recipe.horizon, gap: gap,
                window: window.map { .sliding($0) } ?? .expanding)
            var backtest = BacktestOptions(
                plan: plan, frequency: recipe.frequency,
                models: recipe.candidates.isEmpty ? [recipe.model] : recipe.candidates.filter { $0.kind != .seasonalNaive },
                intervalLevel: recipe.level, inputSchema: inputSchema, showProgress: false)
            backtest.attributes = recipe.attributes
            backtest.selectionMetric = selectionMetric
            backtest.structureSelection = structureSelection
            backtest.refitDays = refitDays ?? 0
            return Options(backtest: backtest, model: recipe.model, label: label, gate: gate)
        }
    }

    func register(
        policy: ForecastPolicy, options: Options, backtest: BacktestOptions, report: BacktestReport,
        checks: [AccuracyGate.Check], metrics: VersionMetrics, artifacts: [GlobalTraining.Artifact],
        end: PostgresDate, asOf: PostgresTimestamp, label: String, on connection: Connection
    ) throws -> ModelVersion {
        let recipe = Recipe(
            frequency: policy.frequency, horizon: policy.horizon, model: options.model,
            candidates: options.model.kind == .selected ? backtest.modelsWithBaseline() : [],
            level: policy.intervalLevel, attributes: backtest.attributes)
        let windowLength: Int? = {
            if case .sliding(let n) = backtest.plan.window { return n }
            return nil
        }()
        let config = TrainConfig(
            recipe: recipe, folds: backtest.plan.folds, step: backtest.plan.step, gap: backtest.plan.gap,
            window: windowLength, selectionMetric: backtest.selectionMetric,
            structureSelection: backtest.structureSelection, gate: options.gate,
            inputSchema: backtest.inputSchema, refitDays: backtest.refitDays)
        let recipeJSON = String(decoding: try JSONEncoder.sorted.encode(recipe), as: UTF8.self)
        let configJSON = String(decoding: try JSONEncoder.sorted.encode(config), as: UTF8.self)
        let gateJSON = String(decoding: try JSONEncoder.sorted.encode(checks.map(GateCheckRecord.init)), as: UTF8.self)
        let metricsJSON = String(decoding: try JSONEncoder.sorted.encode(metrics), as: UTF8.self)
        let passed = checks.allSatisfy(\.passed)
        let schema = SQLIdentifier(backtest.inputSchema)
        return try connection.transaction { tx in
            // One registration at a time: version numbers are taken in order.
            try tx.execute(Query("SELECT pg_advisory_xact_lock(hashtext('forecast.model_versions'))").named("lock_model_versions"))
            let policyHash = try tx.query(Query("SELECT md5(\(recipeJSON)) AS h").named("policy_hash")).first!.decode("h", as: String.self)
            let version = try options.version ?? ModelRegistry.nextVersion(policyHash: policyHash, on: tx)
            let id = try tx.query(
                Query(
                    """
                    INSERT INTO forecast.model_versions (version, label, frequency, policy, policy_hash, config_hash, train_config, horizon,
                        training_cutoff, as_of, input_manifest, backtest_id, metrics, gate, gate_passed, code_version, git_commit, os_user)
                    SELECT \(version), \(label), \(policy.frequency.rawValue), \(try policy.json)::jsonb, \(policyHash), md5(\(configJSON)),
                           \(configJSON)::jsonb,
                           \(policy.horizon), \(end), \(asOf),
                           jsonb_build_object('backtest_id', b.id, 'end_date', b.end_date, 'as_of', b.as_of, 'cutoffs', b.cutoffs,
                               'series', b.series_count, 'scored_rows', b.row_count, 'input_schema', \(backtest.inputSchema)::text,
                               'items', (SELECT jsonb_build_object('versions_valid_at_end', count(*),
                                                'checksum', coalesce(bit_xor(hashtextextended(i::text, 0)), 0)::text)
                                         FROM \(ident: schema).items i
                                         WHERE i.valid_from <= b.end_date AND (i.valid_to IS NULL OR b.end_date < i.valid_to)),
                               'locations', (SELECT jsonb_build_object('versions_valid_at_end', count(*),
                                                    'checksum', coalesce(bit_xor(hashtextextended(l::text, 0)), 0)::text)
                                             FROM \(ident: schema).locations l
                                             WHERE l.valid_from <= b.end_date AND (l.valid_to IS NULL OR b.end_date < l.valid_to))),
                           b.id, \(metricsJSON)::jsonb, \(gateJSON)::jsonb, \(passed), \(CodeVersion.current), \(BuildInfo.gitCommit),
                           \(AuditIdentity.osUser)
                    FROM forecast.backtests b WHERE b.id = \(report.id)
                    RETURNING id
                    """
                ).named("register_model_version")
            ).first!.decode("id", as: Int64.self)
            for artifact in artifacts {
                _ = try GlobalTraining.store(artifact, owner: .version(id), cutoff: end, asOf: asOf, on: tx)
            }
            let failed = checks.filter { !$0.passed }.map(\.name)
            try tx.execute(
                Query(
                    """
                    INSERT INTO forecast.model_stages (model_version_id, frequency, stage, reason, gate, os_user)
                    VALUES (\(id), \(policy.frequency.rawValue), 'candidate',
                            \(passed ? "trained; the accuracy gate passed" : "trained; the accuracy gate failed: " + failed.joined(separator: "; ")),
                            \(gateJSON)::jsonb, \(AuditIdentity.osUser))
                    """
                ).named("register_candidate_stage"))
            return try ModelRegistry.find(id: id, on: tx)
        }
    }
}
