import Forecasting
import Foundation
import Postgres

extension BacktestRunner {
    /// Every chunk's series, read by `workers` connections at once (in chunk order).
    func readAll(chunks: Int, reader: SeriesReader, workers: Int) throws -> [[SeriesInput]] {
        let read = Mutex<[Int: Result<[SeriesInput], Error>]>([:])
        let next = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: max(1, min(workers, chunks))) { _ in
            let connection = Result { try connect() }
            defer { if case .success(let c) = connection { c.close() } }
            while true {
                let chunk = next.withLock { v -> Int in
                    defer { v += 1 }
                    return v
                }
                guard chunk < chunks else { return }
                let series = Result { try reader.read(chunk: chunk, on: try connection.get()) }
                read.withLock { $0[chunk] = series }
                if case .failure = series { return }
            }
        }
        return try (0..<chunks).map { chunk in
            guard let series = read.withLock({ $0[chunk] }) else { throw PipelineError.invalidArgument("chunk \(chunk) was not read") }
            return try series.get()
        }
    }
}
