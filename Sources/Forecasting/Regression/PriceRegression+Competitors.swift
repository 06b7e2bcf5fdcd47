import Foundation

extension PriceRegression {
    /// What is known when origin t of a series closes (the end of its last day): every planned
    /// input the regression reads, the series' own and its competitors' (`CompetitorIndex`).
    public static func knownBy(_ s: GlobalSeries, origin t: Int) -> Int64 {
        PlannedInputs.endOfDay(s.days(ofPeriod: t).upperBound)
    }

    /// The competitors' price index term is kept only where it helps this series: its coefficient
    /// must say that a competitor's deal lowers the series' demand (positive on the log ratio:
    /// substitutes), and the fit with it must predict the series' own history better left out
    /// one period at a time (a smaller PRESS) than the fit without it. Otherwise the column is
    /// dropped and the fit without it returned. On the tuna panel (seven brands at one chain) the
    /// term reads the other brands' deals; on a panel of one item per store it never appears.
    func keepCompetitorsIfTheyHelp(
        _ j: Int, _ rows: [[Double]], _ targets: [Double], keep: inout [Bool],
        beta: [Double]
    ) throws -> [Double] {
        var without = keep
        without[j] = false
        guard beta[j] > 0 else {
            keep = without
            return try fit(rows, targets, keep: keep)
        }
        let (_, pressWith) = try fitScored(rows, targets, keep: keep)
        let (betaWithout, pressWithout) = try fitScored(rows, targets, keep: without)
        guard pressWith < pressWithout else {
            keep = without
            return betaWithout
        }
        return beta
    }
}
