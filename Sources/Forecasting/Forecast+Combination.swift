import Foundation

extension Forecast {
    /// The equal-weight combination of forecasts of the same horizon on the log scale: period by
    /// period, exp(mean of log(1 + value)) - 1 of the points, of the lower and of the upper bounds
    /// (the level is the first's). When every member's point is a median (of demand, or of its
    /// log), the combination is one too, and a member that is off by a factor pulls it by the root
    /// of that factor, not by half the difference: the arithmetic mean of a mean (Tweedie) and a
    /// median let the larger member decide. Bounds stay ordered: log(1 + x) is increasing.
    public static func logMean(_ members: [Forecast]) -> Forecast {
        precondition(!members.isEmpty, "a combination needs members")
        guard members.count > 1 else { return members[0] }
        let n = Double(members.count), h = members[0].horizon
        func combine(_ value: KeyPath<Forecast, [Double]>) -> [Double] {
            (0..<h).map { i in
                Foundation.expm1(members.reduce(0) { $0 + Foundation.log1p(max(0, $1[keyPath: value][i])) } / n)
            }
        }
        return Forecast(mean: combine(\.mean), lower: combine(\.lower), upper: combine(\.upper), level: members[0].level)
    }
}
