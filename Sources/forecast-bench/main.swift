import Forecasting
import Foundation

// Times the models on synthetic daily series (weekly season, trend, noise), single thread.
// Usage: forecast-bench [series] [length]
let count = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 50 : 50
let length = CommandLine.arguments.count > 2 ? Int(CommandLine.arguments[2]) ?? 365 : 365

struct LCG {
    var state: UInt64 = 42
    mutating func uniform() -> Double {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Double(state >> 11) * 0x1.0p-53
    }
}
var rng = LCG()

let series: [[Double]] = (0..<count).map { k in
    let level = 5 + Double(k % 13) * 3
    return (0..<length).map { t in
        let weekly = [0.8, 0.85, 0.9, 1.0, 1.15, 1.4, 0.9][t % 7]
        return max(0.5, (level + 0.01 * Double(t)) * weekly + (rng.uniform() - 0.5) * level * 0.3)
    }
}

func time(_ name: String, _ model: any ForecastModel) {
    let start = Date()
    var chosen: [String: Int] = [:]
    for y in series {
        if let fit = try? model.fit(y) {
            chosen[fit.modelName, default: 0] += 1
            _ = try? fit.predict(horizon: 28, level: 0.8)
        }
    }
    let seconds = Date().timeIntervalSince(start)
    let top = chosen.sorted { $0.value > $1.value }.prefix(3).map { "\($0.key) x\($0.value)" }.joined(separator: ", ")
    print(
        "\(name): \(count) series x \(length) in \(String(format: "%.2f", seconds)) s = \(String(format: "%.1f", Double(count) / seconds)) series/s  [\(top)]")
}

time("SeasonalNaive", try SeasonalNaive(seasonLength: 7))
time("ETS(A,N,A)", try ETS(ETSSpec(code: "ANA")!, seasonLength: 7))
time("ETS(M,Ad,M)", try ETS(ETSSpec(code: "MAdM")!, seasonLength: 7))
time("AutoETS", try AutoETS(seasonLength: 7))
