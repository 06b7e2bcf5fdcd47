import Foundation
import Postgres
import Testing

@testable import Pipeline

extension Timed {
    @Suite struct Queue {
        /// A run with 3 work items and nothing else.
        static func makeRun(_ db: TestDatabase) throws -> Int64 {
            let id = try db.scalar(
                """
                INSERT INTO forecast.runs (cutoff, as_of, frequency, horizon, status, config, code_version, model_version, started_at)
                VALUES ('2026-11-27', '2026-11-28', 'day', 7, 'running', '{}', 'test', 'test', now()) RETURNING id
                """, as: Int64.self)
            try db.execute(
                Query("INSERT INTO forecast.work_items (run_id, chunk, series_count, max_attempts) SELECT \(id), g, 10, 2 FROM generate_series(0, 2) g"))
            return id
        }

        @Test func skipLockedClaimsAreDisjoint() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            let run = try Self.makeRun(db)
            let a = try db.connect(), b = try db.connect()
            defer {
                a.close()
                b.close()
            }
            let qa = WorkQueue(runID: run, leaseSeconds: 30, workerName: "a"), qb = WorkQueue(runID: run, leaseSeconds: 30, workerName: "b")
            let c1 = try #require(try qa.claim(on: a)), c2 = try #require(try qb.claim(on: b)), c3 = try #require(try qa.claim(on: a))
            #expect(Set([c1.chunk, c2.chunk, c3.chunk]) == [0, 1, 2])
            #expect(try qb.claim(on: b) == nil)
            #expect(try qa.counts(on: a) == WorkQueue.Counts(available: 0, running: 3, completed: 0, failed: 0))
        }

        @Test func expiredLeaseIsReclaimedAndTheStaleWorkerCannotComplete() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            let run = try Self.makeRun(db)
            let a = try db.connect(), b = try db.connect()
            defer {
                a.close()
                b.close()
            }
            let dead = WorkQueue(runID: run, leaseSeconds: 0.3, workerName: "dead")
            let rescuer = WorkQueue(runID: run, leaseSeconds: 30, workerName: "rescuer")
            let stale = try #require(try dead.claim(on: a))
            Thread.sleep(forTimeInterval: 0.5)
            var reclaimed: WorkQueue.Claim?
            while let c = try rescuer.claim(on: b) { if c.id == stale.id { reclaimed = c } }
            let r = try #require(reclaimed)
            #expect(r.attempt == 2)
            #expect(try !dead.heartbeat(stale, on: a))
            #expect(try a.transaction { try !dead.complete(stale, rows: 1, in: $0) })
            #expect(try b.transaction { try rescuer.complete(r, rows: 1, in: $0) })
            #expect(try db.scalar(Query("SELECT attempted_by FROM forecast.work_items WHERE id = \(r.id)"), as: String.self) == "rescuer")
        }

        @Test func retryableErrorsBackOffAndOthersFailAtOnce() throws {
            let db = try TestDatabase()
            defer { db.drop() }
            let run = try Self.makeRun(db)
            let c = try db.connect()
            defer { c.close() }
            let q = WorkQueue(runID: run, leaseSeconds: 30, workerName: "w")
            let first = try #require(try q.claim(on: c))
            try q.fail(first, error: "deadlock detected", retryable: true, on: c)
            let second = try #require(try q.claim(on: c))
            try q.fail(second, error: "series I1/L1: bad", retryable: false, on: c)
            let counts = try q.counts(on: c)
            #expect(counts.failed == 1 && counts.available == 2)
            #expect(
                try db.scalar(Query("SELECT errors -> 0 ->> 'error' FROM forecast.work_items WHERE id = \(second.id)"), as: String.self) == "series I1/L1: bad")
            // The retried item is scheduled 2 s out, not claimable at once.
            #expect(try db.scalar(Query("SELECT scheduled_at > clock_timestamp() FROM forecast.work_items WHERE id = \(first.id)"), as: Bool.self))
            #expect(try Publisher.finalize(runID: run, on: c) == .failed)
            #expect(try db.scalar(Query("SELECT error FROM forecast.runs WHERE id = \(run)"), as: String.self).contains("series I1/L1: bad"))
        }
    }
}

extension WorkQueue.Claim: Equatable {
    public static func == (a: Self, b: Self) -> Bool { a.id == b.id && a.attempt == b.attempt }
}
