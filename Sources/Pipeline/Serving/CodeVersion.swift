public enum CodeVersion {
    /// Bumped with every change that can alter forecast values (0.6.3: past the row cap at one
    /// origin per series, a sample of the series trains the global model, `OriginPlan.seriesSample`;
    /// 0.6.2: its origins a year back cover the nights a version serves, and backtests refit it
    /// every 28 days by default).
    public static let current = "0.6.3"
}
