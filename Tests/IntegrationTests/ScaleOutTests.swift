import Foundation
import Postgres
import Testing

@testable import Pipeline

/// Issue 11, item 6: scale-out shown on this machine. Two worker daemons, each in its own network
/// namespace with its own address (ip netns + a veth pair per "host"), share one run on one
/// PostgreSQL that listens on the host side of both links: every series x period exactly once, the
/// work items split between the two hosts, and the server sees two client addresses.
extension Exclusive {
    @Suite struct ScaleOutTests {
        struct Host {
            let namespace: String
            let link: String
            let address: String
            let server: String
        }

        static func ip(_ arguments: [String]) throws {
            let r = try Shell.run(["-c", "exec /usr/sbin/ip \"$@\"", "ip"] + arguments)
            guard r.status == 0 else { throw PipelineError.configuration("ip \(arguments.joined(separator: " ")): \(r.stderr)") }
        }

        static func makeHost(_ index: Int, tag: String) throws -> Host {
            let host = Host(
                namespace: "fc\(tag)h\(index)", link: "fc\(tag)v\(index)", address: "10.231.\(index).2",
                server: "10.231.\(index).1")
            try ip(["netns", "add", host.namespace])
            try ip(["link", "add", host.link, "type", "veth", "peer", "name", host.link + "p"])
            try ip(["link", "set", host.link + "p", "netns", host.namespace])
            try ip(["addr", "add", host.server + "/24", "dev", host.link])
            try ip(["link", "set", host.link, "up"])
            try ip(["netns", "exec", host.namespace, "ip", "addr", "add", host.address + "/24", "dev", host.link + "p"])
            try ip(["netns", "exec", host.namespace, "ip", "link", "set", host.link + "p", "up"])
            try ip(["netns", "exec", host.namespace, "ip", "link", "set", "lo", "up"])
            return host
        }

        static func daemon(on host: Host, url: String) throws -> (Process, Pipe, Pipe) {
            try CLI.start(
                ["worker", "--workers", "1", "--poll-seconds", "1", "--chunk-size", "2"],
                databaseURL: url, launcher: ["/usr/sbin/ip", "netns", "exec", host.namespace], holdMs: 400)
        }

        @Test func daemonsInTwoNetworkNamespacesShareARunWithNoMissingOrDuplicateRows() throws {
            let tag = String(getpid() % 10_000)
            // Leftovers of an earlier, killed run of this test would hold the same addresses.
            _ = try Shell.run(["-c", "for n in $(/usr/sbin/ip netns list | awk '/^fc[0-9]+h[12] /{print $1}'); do /usr/sbin/ip netns delete $n; done"])
            var hosts: [Host] = []
            defer {
                for h in hosts { _ = try? Shell.run(["-c", "/usr/sbin/ip netns delete \(h.namespace); /usr/sbin/ip link delete \(h.link) 2>/dev/null; true"]) }
            }
            hosts.append(try Self.makeHost(1, tag: tag))
            hosts.append(try Self.makeHost(2, tag: tag))

            // One PostgreSQL for both hosts, listening on the host side of each link, on a port below
            // the ephemeral range (32768-60999): there a test's own client connections can hold it.
            let dir = "/tmp/fc-netns-\(tag)"
            let env = [
                "PG_LOCAL_DIR": dir, "PG_LOCAL_PORT": String(30_500 + Int(getpid() % 400)),
                "PG_LOCAL_LISTEN": hosts.map(\.server).joined(separator: ","), "PG_LOCAL_TRUST": "10.231.0.0/16",
            ]
            let started = try Shell.run(["ops/scripts/pg-local.sh", "start"], env: env)
            defer { _ = try? Shell.run(["ops/scripts/pg-local.sh", "destroy"], env: env) }
            #expect(started.status == 0, "\(started.stderr)")
            let local = started.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(try CLI.run(["migrate"], databaseURL: local).status == 0)
            let c = try Connection.connect(local)
            defer { c.close() }
            _ = try DemoLoader(spec: DemoSpec(items: 10, locations: 2, days: 120, end: Fixtures.end, seed: 7)).load(on: c)
            try TestDatabase.moveLoads(on: c)

            let daemons = try hosts.map { try Self.daemon(on: $0, url: local.replacingOccurrences(of: "127.0.0.1", with: $0.server)) }
            defer { daemons.forEach { if $0.0.isRunning { $0.0.terminate() } } }
            Thread.sleep(forTimeInterval: 1.5)
            // Each daemon reached the server from its own address.
            let clients = try c.query(
                """
                SELECT string_agg(DISTINCT host(client_addr), ',' ORDER BY host(client_addr)) AS a FROM pg_stat_activity
                WHERE client_addr <<= '10.231.0.0/16'
                """
            ).first!.decodeIfPresent("a", as: String.self)
            #expect(clients == hosts.map(\.address).joined(separator: ","))

            let request = try c.query("SELECT forecast.enqueue_run('2026-11-27', 'day', 7) AS id").first!.decode("id", as: Int64.self)
            let status = try RunRequests.waitForOutcome(request, seconds: 120, on: c)
            #expect(status == "published")
            let run = try c.query(Query("SELECT run_id FROM forecast.run_requests WHERE id = \(request)")).first!.decode("run_id", as: Int64.self)
            let series = try c.query(Query("SELECT series_count FROM forecast.runs WHERE id = \(run)")).first!.decode("series_count", as: Int.self)
            // No missing and no duplicate rows: one per series and period.
            let counts = try c.query(
                Query(
                    """
                    SELECT count(*)::int AS n, count(DISTINCT (item_id, location_id, ds))::int AS d FROM forecast.forecasts WHERE run_id = \(run)
                    """)
            ).first!
            let rows = try counts.decode("n", as: Int.self), distinct = try counts.decode("d", as: Int.self)
            #expect(series == 20 && rows == series * 7 && distinct == series * 7)
            // Both hosts did work items (the worker names carry the daemons' process ids).
            let workers = try c.query(
                Query(
                    """
                    SELECT count(DISTINCT split_part(attempted_by, '-', 1))::int AS n FROM forecast.work_items WHERE run_id = \(run) AND state = 'completed'
                    """)
            ).first!.decode("n", as: Int.self)
            #expect(workers == 2)

            for d in daemons { kill(d.0.processIdentifier, SIGTERM) }
            for d in daemons {
                let r = CLI.finish(d)
                #expect(r.status == 0, "\(r.stderr)")
            }
        }
    }
}
