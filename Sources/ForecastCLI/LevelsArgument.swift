import ArgumentParser

/// `--levels 0.5,0.9,0.95`: interval levels besides `--level`, comma-separated.
struct LevelsArgument: ExpressibleByArgument {
    let values: [Double]

    init?(argument: String) {
        let parts = argument.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let values = parts.compactMap(Double.init)
        guard !parts.isEmpty, values.count == parts.count else { return nil }
        self.values = values
    }

    static let help =
        "More interval levels, comma-separated (e.g. 0.5,0.9,0.95): level L is the interval between the quantiles (1-L)/2 and (1+L)/2 (0.9: P5 and P95), in forecast.latest_quantiles."
}
