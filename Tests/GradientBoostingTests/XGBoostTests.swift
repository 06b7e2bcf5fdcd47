import Testing
@testable import GradientBoosting

/// Against the real XGBoost library (Debian libxgboost-dev).
struct XGBoostTests {
    static func data(rows: Int) -> (FeatureMatrix, [Float]) {
        var m = FeatureMatrix(columns: 3, reservingRows: rows)
        var labels: [Float] = []
        var state: UInt64 = 1
        func u() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(state >> 40) / Float(1 << 24)
        }
        for _ in 0..<rows {
            let a = u(), b = u(), c = u()
            m.append([a, b, c])
            labels.append(3 * a + (b > 0.5 ? 2 : 0) + 0.1 * c)
        }
        return (m, labels)
    }

    static let parameters: [(String, String)] = [("objective", "reg:squarederror"), ("max_depth", "4"), ("eta", "0.3"),
                                                 ("tree_method", "hist"), ("nthread", "1"), ("seed", "7")]

    @Test func learnsASimpleFunction() throws {
        let (m, y) = Self.data(rows: 2_000)
        let booster = try Booster.train(m, labels: y, parameters: Self.parameters, rounds: 60)
        var test = FeatureMatrix(columns: 3)
        test.append([0.2, 0.9, 0.5])   // 0.6 + 2 + 0.05 = 2.65
        test.append([0.8, 0.1, 0.5])   // 2.4 + 0 + 0.05 = 2.45
        let p = try booster.predict(test)
        #expect(abs(p[0] - 2.65) < 0.15 && abs(p[1] - 2.45) < 0.15, "\(p)")
    }

    @Test func deterministicAndSurvivesASerialisationRoundTrip() throws {
        let (m, y) = Self.data(rows: 1_000)
        let a = try Booster.train(m, labels: y, parameters: Self.parameters, rounds: 30)
        let b = try Booster.train(m, labels: y, parameters: Self.parameters, rounds: 30)
        let pa = try a.predict(m), pb = try b.predict(m)
        #expect(pa.map(\.bitPattern) == pb.map(\.bitPattern))
        let restored = try Booster(serialized: try a.serialized())
        #expect(try restored.predict(m).map(\.bitPattern) == pa.map(\.bitPattern))
        #expect(try a.serialized() == b.serialized())
    }

    @Test func badParametersAreTypedErrors() throws {
        let (m, y) = Self.data(rows: 10)
        let error = #expect(throws: XGBoostError.self) {
            _ = try Booster.train(m, labels: y, parameters: [("objective", "reg:nonsense")], rounds: 1)
        }
        #expect(error?.description.hasPrefix("XGBoost ") == true)
        #expect(throws: XGBoostError.self) { _ = try Booster(serialized: [1, 2, 3]) }
    }
}
