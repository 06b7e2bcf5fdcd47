public enum CodeVersion {
    /// Bumped with every change that can alter forecast values (0.6.2: the global model's origins
    /// a year back cover the nights a version serves, `FeatureWindows.seasonalReach`, and backtests
    /// refit it every 28 days by default, `GlobalRefits`).
    public static let current = "0.6.2"
}
