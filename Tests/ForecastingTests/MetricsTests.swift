import Testing

@testable import Forecasting

/// Hand-computed values: actual [2, 0, 4, 6], forecast [3, 1, 2, 6]
/// errors f - y = [1, 1, -2, 0]; |e| = [1, 1, 2, 0].
struct MetricsTests {
    let y: [Double] = [2, 0, 4, 6]
    let f: [Double] = [3, 1, 2, 6]

    @Test func mae() { #expect(Metrics.mae(y, f) == 1.0) }  // 4 / 4
    @Test func rmse() { #expect(abs(Metrics.rmse(y, f) - 1.5.squareRoot()) < 1e-12) }  // sqrt(6/4)
    @Test func mapeSkipsZeroActuals() {
        // (1/2 + 2/4 + 0/6) / 3 = 1/3
        #expect(abs(Metrics.mape(y, f) - 100.0 / 3) < 1e-12)
    }
    @Test func smape() {
        // 2*1/5, 2*1/1, 2*2/6, 0 -> (0.4 + 2 + 0.666.. + 0) / 4
        #expect(abs(Metrics.smape(y, f) - 100 * (0.4 + 2 + 2.0 / 3) / 4) < 1e-12)
    }
    @Test func wape() { #expect(abs(Metrics.wape(y, f) - 4.0 / 12) < 1e-12) }
    @Test func bias() { #expect(Metrics.bias(y, f) == 0) }  // (1 + 1 - 2 + 0) / 4
    @Test func mase() {
        // training [1, 3, 2, 5], m = 1: naive in-sample |diffs| = 2, 1, 3 -> scale 2; MAE 1 -> 0.5
        #expect(Metrics.mase(y, f, training: [1, 3, 2, 5], seasonLength: 1) == 0.5)
    }
    @Test func undefinedCasesAreNaN() {
        #expect(Metrics.wape([0, 0], [1, 1]).isNaN)
        #expect(Metrics.mape([0, 0], [1, 1]).isNaN)
        #expect(Metrics.mase([1], [1], training: [1, 1, 1], seasonLength: 1).isNaN)
    }
}
