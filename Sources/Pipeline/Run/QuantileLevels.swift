/// The interval levels a run publishes besides its own (`--levels`, `forecast.latest_quantiles`):
/// a level L is the central interval between the quantiles (1 - L) / 2 and (1 + L) / 2, so 0.9
/// gives P5 and P95. Each is calibrated conformally by the run's calibration backtest, which
/// must have been run with the same levels.
public enum QuantileLevels {
    /// At most this many extra levels: each is one more row per series and a calibration per model.
    public static let maximum = 8

    /// The levels to publish besides `main`: sorted, without duplicates or `main`, each finite in (0, 1).
    public static func validated(_ levels: [Double], main: Double) throws -> [Double] {
        for level in levels where !(level.isFinite && level > 0 && level < 1) {
            throw PipelineError.invalidSetting(.levels, "must each be between 0 and 1, got \(level)")
        }
        let extra = Array(Set(levels.filter { abs($0 - main) > 1e-9 })).sorted()
        guard extra.count <= maximum else {
            throw PipelineError.invalidSetting(.levels, "may name at most \(maximum) levels besides --level, got \(extra.count)")
        }
        return extra
    }
}
