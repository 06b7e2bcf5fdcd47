/// When a local model may fit a seasonal form. A seasonal state of m periods needs m initial
/// values estimated from the history: with long seasons (52 weeks) on a few years of data those
/// estimates are noise and the forecasts explode (ETS(M,N,M) on 100 weekly points forecast
/// thousands of times the actuals). R's `forecast::ets` refuses seasons longer than 24 for this
/// reason. Rule: 2 <= m <= 24 and at least two full seasons plus a margin of history. Longer
/// seasons are left to the global model's calendar features (week of year, Fourier terms).
public enum SeasonalityGuard {
    public static let maximumSeasonLength = 24

    /// Periods of history beyond two full seasons.
    public static func margin(_ m: Int) -> Int { max(2, m / 2) }

    public static func allowsSeasonalForm(seasonLength m: Int, observations n: Int) -> Bool {
        m >= 2 && m <= maximumSeasonLength && n >= 2 * m + margin(m)
    }
}
