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

    static let parameters: [(String, String)] = [
        ("objective", "reg:squarederror"), ("max_depth", "4"), ("eta", "0.3"),
        ("tree_method", "hist"), ("nthread", "1"), ("seed", "7"),
    ]

    @Test func learnsASimpleFunction() throws {
        let (m, y) = Self.data(rows: 2_000)
        let booster = try Booster.train(m, labels: y, parameters: Self.parameters, rounds: 60)
        var test = FeatureMatrix(columns: 3)
        test.append([0.2, 0.9, 0.5])  // 0.6 + 2 + 0.05 = 2.65
        test.append([0.8, 0.1, 0.5])  // 2.4 + 0 + 0.05 = 2.45
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

    /// The quantile matrix (each value's bin only) trains exactly the booster and fitted values the
    /// plain matrix does: the global model's three objectives, both bin counts, missing values, read
    /// in one batch or in five (the last one short); and a matrix first binned for another bin count
    /// is remade.
    @Test func quantileMatrixTrainsTheSameBoosterAsThePlainOne() throws {
        var (m, y) = Self.data(rows: 3_000)
        for i in stride(from: 0, to: m.values.count, by: 7) { m.values[i] = .nan }
        let objectives: [[(String, String)]] = [
            [("objective", "reg:tweedie"), ("tweedie_variance_power", "1.3"), ("max_depth", "6"), ("min_child_weight", "5")],
            [("objective", "reg:absoluteerror"), ("max_depth", "6"), ("min_child_weight", "5")],
            [
                ("objective", "reg:pseudohubererror"), ("huber_slope", "1"), ("grow_policy", "lossguide"), ("max_depth", "0"),
                ("max_leaves", "15"), ("min_child_weight", "10"),
            ],
        ]
        let shared = TrainingMatrix(m)
        for objective in objectives {
            for bins in ["64", "256"] {
                let p = objective + [("eta", "0.1"), ("tree_method", "hist"), ("max_bin", bins), ("nthread", "1"), ("seed", "0")]
                let plain = try Booster.trainWithFitted(TrainingMatrix(m, quantised: false), labels: y, parameters: p, rounds: 20)
                for matrix in [TrainingMatrix(m), TrainingMatrix(m, batchRows: 700), shared] {
                    let binned = try Booster.trainWithFitted(matrix, labels: y, parameters: p, rounds: 20)
                    let sameBooster = try binned.booster.serialized() == plain.booster.serialized()
                    let sameFit = binned.fitted.map(\.bitPattern) == plain.fitted.map(\.bitPattern)
                    #expect(sameBooster && sameFit, "\(p)")
                }
            }
        }
        #expect(TrainingMatrix.bins([("tree_method", "hist")]) == 256)
        #expect(TrainingMatrix.bins([("tree_method", "hist"), ("max_bin", "64")]) == 64)
        #expect(TrainingMatrix.bins([("tree_method", "exact"), ("max_bin", "64")]) == nil)
    }

    /// Predictions read in place from the features are bit for bit those through XGBoost's own
    /// matrix, with missing values, from a trained and from a restored booster; no rows, none.
    @Test func inPlacePredictionsAreTheMatrixOnes() throws {
        var (m, y) = Self.data(rows: 2_000)
        for i in stride(from: 0, to: m.values.count, by: 5) { m.values[i] = .nan }
        let trained = try Booster.train(m, labels: y, parameters: Self.parameters + [("max_bin", "64")], rounds: 25)
        let restored = try Booster(serialized: try trained.serialized())
        for booster in [trained, restored] {
            let inPlace = try booster.predict(m), through = try booster.predictThroughMatrix(m)
            #expect(inPlace.count == 2_000 && inPlace.map(\.bitPattern) == through.map(\.bitPattern))
        }
        #expect(try trained.predict(FeatureMatrix(columns: 3)).isEmpty)
    }

    /// A column typed categorical ("c") is split on sets of codes: one split of depth 1 puts the
    /// scattered codes 1, 4 and 7 on one side, which no split on a numeric threshold can; the
    /// split travels with the saved model (prediction needs no types), through either matrix.
    @Test func categoricalColumnsSplitOnSetsOfCodes() throws {
        var m = FeatureMatrix(columns: 1, reservingRows: 400)
        var labels: [Float] = []
        for i in 0..<400 {
            m.append([Float(i % 10)])
            labels.append([1, 4, 7].contains(i % 10) ? 10 : 0)
        }
        let parameters = [
            ("objective", "reg:squarederror"), ("max_depth", "1"), ("eta", "1"), ("base_score", "0"),
            ("lambda", "0"), ("tree_method", "hist"), ("max_cat_to_onehot", "1"), ("nthread", "1"), ("seed", "0"),
        ]
        var probe = FeatureMatrix(columns: 1, reservingRows: 10)
        for code in 0..<10 { probe.append([Float(code)]) }
        for quantised in [true, false] {
            let (booster, _) = try Booster.trainWithFitted(
                TrainingMatrix(m, quantised: quantised, featureTypes: ["c"]), labels: labels,
                parameters: parameters, rounds: 1)
            let restored = try Booster(serialized: try booster.serialized())
            for b in [booster, restored] {
                let p = try b.predict(probe)
                #expect((0..<10).allSatisfy { abs(p[$0] - ([1, 4, 7].contains($0) ? 10 : 0)) < 1e-4 }, "quantised \(quantised): \(p)")
            }
        }
        // Numeric, the same split cannot separate them.
        let (numeric, _) = try Booster.trainWithFitted(TrainingMatrix(m), labels: labels, parameters: parameters, rounds: 1)
        let p = try numeric.predict(probe)
        #expect(!(0..<10).allSatisfy { abs(p[$0] - ([1, 4, 7].contains($0) ? 10 : 0)) < 1e-4 }, "\(p)")
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
