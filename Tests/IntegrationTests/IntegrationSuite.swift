import Testing

/// Integration tests talk to a real PostgreSQL, each in a database of its own (a copy of the
/// migrated template, `TestDatabase`), so they run in parallel.
@Suite struct Integration {}

/// Tests that share something a database does not isolate run one at a time: the cluster itself
/// (network namespaces, the stack script's schedule) and TCP ports derived from the process id. `make test` runs them in a test process of their own,
/// beside the others (ops/scripts/run-tests.sh).
@Suite(.serialized) struct Exclusive {}

/// Tests that depend on timing (leases of a second or two, heartbeats, connect and statement
/// timeouts, processes killed mid-item) run one at a time, beside `Exclusive` in its process.
@Suite(.serialized) struct Timed {}

/// Tests that change what every database of the cluster shares (the project's roles, renamed away
/// and back), or need the cluster quiet: run by themselves, after every other test has ended. The
/// hot standby's test and the runbook drills (whose failover drill promotes a standby) are here:
/// while the other tests ran beside them, a standby did not show a
/// newly published run in three runs of `make test` (within 30 s once, 120 s twice; it does when
/// only the exclusive and timed tests run beside it; why was not found).
@Suite(.serialized) struct Alone {}
