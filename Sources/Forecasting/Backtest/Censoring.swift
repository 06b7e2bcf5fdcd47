/// Unknown demand: a period with zero sales while out of stock is censored (demand unknown),
/// not a zero. Training series get such periods **imputed** with the mean of the previous
/// `lookback` uncensored periods (0 when there are none), so that neither targets nor lags see
/// a fake zero; scoring **masks** them (they are not scored at all).
public enum Censoring {
    public static func impute(_ y: [Double], censored: [Bool], lookback: Int = 7) -> [Double] {
        guard censored.contains(true) else { return y }
        var out = y
        var recent: [Double] = []
        recent.reserveCapacity(lookback)
        for t in 0..<y.count {
            if t < censored.count, censored[t] {
                out[t] = recent.isEmpty ? 0 : recent.reduce(0, +) / Double(recent.count)
            } else {
                if recent.count == lookback { recent.removeFirst() }
                recent.append(y[t])
            }
        }
        return out
    }
}
