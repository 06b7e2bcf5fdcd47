import Foundation
import Postgres
import Testing

@testable import Pipeline

/// Issue 29, finding 1: what each role may do to the registry is enforced by the database, for
/// every table, verb and column, through login roles (not `SET ROLE`, which keeps the session user).
extension Integration {
    @Suite struct RegistryGuardTests {
        static let tables = ["model_versions", "model_stages", "model_stage_events", "model_artifacts", "run_model_inputs", "run_category_prices"]
        static let verbs = ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE"]
        /// The grants the registry needs, and nothing more.
        static let allowed: [String: Set<String>] = [
            "worker.model_versions": ["SELECT", "INSERT"],
            "worker.model_stages": ["SELECT", "INSERT", "UPDATE"],
            "worker.model_stage_events": ["SELECT"],
            "worker.model_artifacts": ["SELECT", "INSERT"],
            "worker.run_model_inputs": ["SELECT", "INSERT"],
            "worker.run_category_prices": ["SELECT", "INSERT"],
            "reader.model_versions": ["SELECT"],
            "reader.model_stages": ["SELECT"],
            "reader.model_stage_events": ["SELECT"],
        ]

        @Test func everyTableRoleAndVerbOfTheRegistryIsWhatTheRegistryNeeds() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            _ = try db.workerURL()
            _ = try db.readerURL()
            var checked = 0
            for (role, login) in [("worker", db.workerRole), ("reader", db.readerRole)] {
                for table in Self.tables {
                    for verb in Self.verbs {
                        let has = try db.scalar(Query("SELECT has_table_privilege(\(login), \("forecast." + table), \(verb))"), as: Bool.self)
                        let expected = Self.allowed["\(role).\(table)", default: []].contains(verb)
                        #expect(has == expected, "\(role) \(verb) on forecast.\(table): \(has), expected \(expected)")
                        checked += 1
                    }
                }
            }
            #expect(checked == 60)
            // The reader reads the registry; writing any of it is refused by privileges.
            let reader = try Connection.connect(try db.readerURL())
            defer { reader.close() }
            #expect(try reader.query("SELECT count(*) AS n FROM forecast.model_registry").first?.decode("n", as: Int.self) == 0)
            for sql in [
                "DELETE FROM forecast.model_stages", "UPDATE forecast.model_stages SET reason = 'x'",
                "INSERT INTO forecast.model_stage_events (model_version_id, frequency, to_stage, reason, forced, db_role, at) VALUES (1, 'day', 'production', 'x', false, 'x', now())",
            ] {
                #expect(Privileges.sqlState(reader, Query(unsafeSQL: sql)) == "42501", "\(sql)")
            }
        }

        /// The forgery of finding 1, step by step, as a login role in forecast_worker: none of it
        /// changes what runs serve or what the audit says.
        @Test func theWorkerRoleCannotPutAVersionInProductionOrForgeTheAudit() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo(items: 6, locations: 2)
            let v1 = try Registry.train(db, "moving_average", label: "moving average")
            let owner = try db.connect()
            defer { owner.close() }
            _ = try ModelStages.promote(v1.version, to: .production, force: false, reason: "test", on: owner)
            let eventsBefore = try db.scalar("SELECT count(*)::int FROM forecast.model_stage_events", as: Int.self)

            let worker = try Connection.connect(try db.workerURL())
            defer { worker.close() }
            // Registering a copy under a new version string is allowed (it is a candidate), and the
            // database, not the client, says who registered it.
            let forged = try worker.query(
                Query(
                    """
                    INSERT INTO forecast.model_versions (version, label, frequency, policy, policy_hash, config_hash, train_config, horizon,
                        training_cutoff, as_of, input_manifest, backtest_id, metrics, gate, gate_passed, code_version, git_commit,
                        created_by, created_at, os_user)
                    SELECT '9.9.9', label, frequency, policy, policy_hash, config_hash, train_config, horizon, training_cutoff, as_of,
                           input_manifest, backtest_id, metrics, gate, gate_passed, code_version, git_commit, 'postgres', '2000-01-01', os_user
                    FROM forecast.model_versions WHERE version = \(v1.version)
                    RETURNING id, created_by, created_at > now() - interval '1 minute' AS fresh
                    """)
            ).first!
            let forgedID = try forged.decode("id", as: Int64.self)
            #expect(try forged.decode("created_by", as: String.self) == db.workerRole)
            #expect(try forged.decode("fresh", as: Bool.self))

            let state = { (sql: Query) in Privileges.sqlState(worker, sql) }
            // Repointing the production row, or rewriting it without changing the stage: refused.
            #expect(
                state(
                    Query(
                        """
                        UPDATE forecast.model_stages SET model_version_id = \(forgedID), reason = 'hotfix', changed_by = 'postgres' WHERE stage = 'production'
                        """)) == "FC005")
            #expect(state(Query("UPDATE forecast.model_stages SET reason = 'hotfix', changed_by = 'postgres' WHERE stage = 'production'")) == "FC005")
            #expect(state(Query("UPDATE forecast.model_stages SET frequency = 'week' WHERE stage = 'production'")) == "FC005")
            // Leaving production (demoting it leaves runs on the bootstrap) is the owner's.
            #expect(state(Query("UPDATE forecast.model_stages SET stage = 'candidate', reason = 'x' WHERE stage = 'production'")) == "42501")
            #expect(state(Query("UPDATE forecast.model_stages SET stage = 'archived', reason = 'x' WHERE stage = 'production'")) == "42501")
            // The audit trail is not the worker's to write.
            #expect(
                state(
                    Query(
                        """
                        INSERT INTO forecast.model_stage_events (model_version_id, frequency, from_stage, to_stage, reason, forced, db_role, at)
                        VALUES (\(forgedID), 'day', 'shadow', 'production', 'promoted', false, 'postgres', now())
                        """)) == "42501")
            // A stage row of its own: only as a candidate, and of the version's own frequency.
            #expect(
                state(Query("INSERT INTO forecast.model_stages (model_version_id, frequency, stage, reason) VALUES (\(forgedID), 'day', 'production', 'x')"))
                    == "FC005")
            #expect(
                state(Query("INSERT INTO forecast.model_stages (model_version_id, frequency, stage, reason) VALUES (\(forgedID), 'week', 'candidate', 'x')"))
                    == "FC005")
            #expect(
                state(
                    Query(
                        "INSERT INTO forecast.model_stages (model_version_id, frequency, stage, reason, forced) VALUES (\(forgedID), 'day', 'candidate', 'registered', true)"
                    )) == nil)
            #expect(state(Query("UPDATE forecast.model_stages SET stage = 'production', reason = 'x' WHERE model_version_id = \(forgedID)")) == "42501")
            // Candidate <-> shadow is the worker's (retrain requests), recorded with the login role.
            #expect(
                state(
                    Query(
                        "UPDATE forecast.model_stages SET stage = 'shadow', reason = 'retrain request', changed_by = 'postgres' WHERE model_version_id = \(forgedID)"
                    )) == nil)
            #expect(state(Query("UPDATE forecast.model_stages SET stage = 'production', reason = 'x' WHERE model_version_id = \(forgedID)")) == "42501")
            // A registered version's artifacts are fixed.
            #expect(
                state(
                    Query(
                        """
                        INSERT INTO forecast.model_artifacts (model_version_id, model_name, format, artifact, md5, training_cutoff, as_of,
                                                              features, encodings, training_rows, parameters, code_version)
                        SELECT \(v1.id), 'xgboost', 'xgboost-ubj', '\\x00', md5('\\x00'::bytea), training_cutoff, as_of, '{}', '{}', 1, '{}', 'x'
                        FROM forecast.model_versions WHERE id = \(v1.id)
                        """)) == "FC004")

            let events = try db.scalar("SELECT count(*)::int FROM forecast.model_stage_events", as: Int.self)
            #expect(events == eventsBefore + 2, "the forged version's registration and its move to shadow")
            let last = try owner.query("SELECT to_stage, db_role, forced FROM forecast.model_stage_events ORDER BY id DESC LIMIT 1").first!
            #expect(try last.decode("to_stage", as: String.self) == "shadow" && last.decode("db_role", as: String.self) == db.workerRole)
            #expect(try db.scalar(Query("SELECT changed_by FROM forecast.model_stages WHERE model_version_id = \(forgedID)"), as: String.self) == db.workerRole)
            #expect(
                try db.scalar(Query("SELECT forced FROM forecast.model_stage_events WHERE model_version_id = \(forgedID) ORDER BY id LIMIT 1"), as: Bool.self)
                    == false)

            // Production is what the owner put there, and the next run serves it.
            #expect(try Registry.stage(db, v1.version) == "production")
            let served = try Registry.serve(db, horizon: 7)
            #expect(try db.scalar(Query("SELECT DISTINCT model_version FROM forecast.forecasts WHERE run_id = \(served.runID)"), as: String.self) == v1.version)
        }

        /// Even the owner writes the audit trail only by changing a stage.
        @Test func theAuditTrailIsAppendOnlyAndWrittenByTheDatabase() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            try db.loadDemo(items: 6, locations: 2)
            let v1 = try Registry.train(db, "moving_average", label: "moving average")
            let owner = try db.connect()
            defer { owner.close() }
            let state = { (sql: String) in Privileges.sqlState(owner, Query(unsafeSQL: sql)) }
            #expect(
                state(
                    """
                    INSERT INTO forecast.model_stage_events (model_version_id, frequency, to_stage, reason, forced, db_role, at)
                    VALUES (\(v1.id), 'day', 'production', 'x', false, 'x', now())
                    """) == "FC005")
            #expect(state("UPDATE forecast.model_stage_events SET reason = 'x'") == "FC004")
            #expect(state("DELETE FROM forecast.model_stage_events") == "FC004")
            #expect(state("TRUNCATE forecast.model_stage_events") == "FC004")
            #expect(state("UPDATE forecast.model_stages SET reason = 'edited'") == "FC005")
            // The owner's own stage changes by hand go through the same trigger and are recorded.
            #expect(state("UPDATE forecast.model_stages SET stage = 'shadow', reason = 'by hand'") == nil)
            #expect(try db.scalar("SELECT count(*)::int FROM forecast.model_stage_events WHERE reason = 'by hand' AND to_stage = 'shadow'", as: Int.self) == 1)
        }
    }
}
