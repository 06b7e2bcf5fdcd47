import Forecasting
import Foundation
import Postgres

/// The result of one contract on one snapshot.
public struct ContractOutcome: Sendable {
    public let contract: Contract
    public let violations: Int
    /// Up to 5 violating rows as JSON objects.
    public let samples: [String]
    public let durationMs: Double
    /// The waiver in force that this violated contract names (recorded; it does not block).
    public var waivedBy: String?

    public var passed: Bool { violations == 0 }
    public var blocks: Bool { !passed && contract.severity == .block && waivedBy == nil }

    /// `sales_duplicate_keys (demand.sales): 3 violations, e.g. {...}; {...}`
    public var summaryLine: String {
        var line = "\(contract.name) (\(contract.table)): \(violations) violation\(violations == 1 ? "" : "s")"
        if !samples.isEmpty { line += ", e.g. " + samples.joined(separator: "; ") }
        if let waivedBy { line += " (waived: --\(waivedBy.replacingOccurrences(of: "_", with: "-")))" }
        return line
    }
}

/// Runs contracts, records each outcome in `forecast.contract_results`, and reports.
public struct ContractRunner: Sendable {
    public let contracts: [Contract]
    public static let sampleLimit = 5

    public init(contracts: [Contract]) { self.contracts = contracts }

    public func evaluate(_ contract: Contract, parameters: ContractParameters, on connection: Connection) throws -> ContractOutcome {
        let inner = try parameters.render(contract.body, name: contract.name)
        let sql = """
            WITH violations AS MATERIALIZED (\n\(inner.sql)\n)
            SELECT (SELECT count(*) FROM violations) AS n,
                   (SELECT coalesce(json_agg(s.j), '[]'::json)::text
                    FROM (SELECT row_to_json(v)::text AS j FROM violations v LIMIT \(Self.sampleLimit)) s) AS samples
            """
        let started = DispatchTime.now()
        // A contract only reads: run it in a READ ONLY transaction, so that a contract file that
        // tries to change data fails (25006) instead of changing it. Nothing to commit either way.
        try connection.begin(readOnly: true)
        let row: Row?
        do {
            row = try connection.query(Query(unsafeSQL: sql, binds: inner.binds, name: inner.name)).first
            try connection.rollback()
        } catch {
            _ = try? connection.rollback()
            throw error
        }
        let ms = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e6
        let n = try row?.decode("n", as: Int.self) ?? 0
        let samplesJSON = try row?.decode("samples", as: String.self) ?? "[]"
        let waived = n > 0 ? contract.waiver.flatMap { parameters.waivers.contains($0) ? $0 : nil } : nil
        return ContractOutcome(contract: contract, violations: n, samples: Self.splitSamples(samplesJSON), durationMs: ms, waivedBy: waived)
    }

    /// Runs all contracts, spread over `connections` (one thread each), in file order in the result.
    public func evaluateAll(parameters: ContractParameters, connections: [Connection]) throws -> [ContractOutcome] {
        precondition(!connections.isEmpty)
        let results = Mutex<[Int: Result<ContractOutcome, Error>]>([:])
        // Heavy contracts (those scanning sales) first, so that the pool ends evenly.
        let order = contracts.indices.sorted { a, b in
            let ha = contracts[a].table.hasSuffix(".sales"), hb = contracts[b].table.hasSuffix(".sales")
            return ha != hb ? ha : a < b
        }
        let next = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: connections.count) { worker in
            let connection = connections[worker]
            while true {
                let n = next.withLock { value -> Int in
                    defer { value += 1 }
                    return value
                }
                guard n < order.count else { return }
                let i = order[n]
                let result = Result { try evaluate(contracts[i], parameters: parameters, on: connection) }
                results.withLock { $0[i] = result }
            }
        }
        let collected = results.withLock { $0 }
        return try (0..<contracts.count).map { try collected[$0]!.get() }
    }

    /// Stores outcomes (run_id NULL for a standalone `check`).
    public func record(_ outcomes: [ContractOutcome], runID: Int64?, backtestID: Int64? = nil, on connection: Connection) throws {
        for o in outcomes {
            let samples = "[" + o.samples.joined(separator: ",") + "]"
            try connection.execute(
                Query(
                    """
                    INSERT INTO forecast.contract_results
                        (run_id, backtest_id, contract, target_table, severity, owner, violations, samples, duration_ms, waived_by)
                    VALUES (\(runID), \(backtestID), \(o.contract.name), \(o.contract.table), \(o.contract.severity.rawValue),
                            \(o.contract.owner), \(o.violations), \(samples)::jsonb, \(o.durationMs), \(o.waivedBy))
                    """
                ).named("record_contract_result"))
        }
    }

    /// `[{"a":1},{"a":2}]` -> [`{"a":1}`, `{"a":2}`], by re-encoding each element.
    static func splitSamples(_ json: String) -> [String] {
        guard let data = json.data(using: .utf8),
            let array = try? JSONSerialization.jsonObject(with: data) as? [Any]
        else { return [] }
        return array.compactMap { element in
            if let s = element as? String { return s }  // row_to_json(...)::text aggregated as strings
            guard let d = try? JSONSerialization.data(withJSONObject: element, options: [.sortedKeys]) else { return nil }
            return String(decoding: d, as: UTF8.self)
        }
    }
}
