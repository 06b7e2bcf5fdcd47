import Forecasting
import Foundation
import Postgres

/// The horizons `evaluate` scores per frequency (`forecast.service_objectives.evaluated_horizons`),
/// as a pass stored them (`evaluation_passes.evaluated_horizons`, e.g. `{"day": [1, 7, 14, 28]}`);
/// a frequency not named is scored at every horizon.
public struct EvaluatedHorizons: Sendable, Equatable {
    public let byFrequency: [Frequency: [Int]]

    public init(_ byFrequency: [Frequency: [Int]] = [:]) { self.byFrequency = byFrequency }

    /// What `service_objectives.evaluated_horizons_are_steps` allows: a non-empty list of steps 1-366.
    static func areSteps(_ horizons: [Int]) -> Bool { !horizons.isEmpty && horizons.allSatisfy { (1...366).contains($0) } }

    /// The stored document; a frequency this build does not know, or a horizon that is not a
    /// step (the table's check refuses both), is a configuration error, never ignored.
    init(json: String) throws {
        guard let stored = try? JSONDecoder().decode([String: [Int]].self, from: Data(json.utf8)) else {
            throw PipelineError.configuration("evaluation_passes.evaluated_horizons is not a document of horizon lists: \(json.prefix(200))")
        }
        var parsed: [Frequency: [Int]] = [:]
        for (key, horizons) in stored {
            guard let frequency = Frequency(rawValue: key), Self.areSteps(horizons) else {
                throw PipelineError.configuration("evaluated_horizons names \(key.debugDescription) with \(horizons): a frequency (day, week) and steps 1-366")
            }
            parsed[frequency] = horizons.sorted()
        }
        byFrequency = parsed
    }

    /// "day 1,7,14,28; week every horizon", for the pass's summary line.
    public var summary: String {
        Frequency.allCases.map { f in
            "\(f.rawValue) " + (byFrequency[f].map { $0.map(String.init).joined(separator: ",") } ?? "every horizon")
        }.joined(separator: "; ")
    }
}
