import Foundation
import Testing

@testable import Forecasting

/// The fast ETS paths: the structure-specialised kernel against the forecast::ets update written
/// out step by step, and warm-started refits (backtest folds) against cold fits.
struct ETSRefitTests {
    /// forecast::ets's C update (etscalc), one branch per component, as the reference.
    static func referenceLikelihood(
        _ y: [Double], spec: ETSSpec, m: Int, p: ETSParameters,
        level: Double, trend: Double, seasons: [Double]
    ) -> (Double, Double, Double, [Double]) {
        var l = level, b = trend, s = seasons  // s[m-1] is used next
        var sse = 0.0, logSum = 0.0
        for t in 0..<y.count {
            let phib: Double = spec.trend == .none ? 0 : (spec.trend == .additive ? p.phi * b : pow(b, p.phi))
            let q = spec.trend == .multiplicative ? l * phib : l + phib
            let sPrev = spec.season == .none ? 0 : s[m - 1]
            let f = spec.season == .none ? q : (spec.season == .additive ? q + sPrev : q * sPrev)
            let e = spec.error == .additive ? y[t] - f : (y[t] - f) / f
            sse += e * e
            if spec.error == .multiplicative { logSum += log(abs(f)) }
            let pv = spec.season == .none ? y[t] : (spec.season == .additive ? y[t] - sPrev : y[t] / sPrev)
            let newLevel = q + p.alpha * (pv - q)
            if spec.trend != .none {
                let r = spec.trend == .additive ? newLevel - l : newLevel / l
                b = phib + (p.beta / p.alpha) * (r - phib)
            }
            if spec.season != .none {
                let tv = spec.season == .additive ? y[t] - q : y[t] / q
                let updated = sPrev + p.gamma * (tv - sPrev)
                s = [updated] + s.dropLast()
            }
            l = newLevel
        }
        return (Double(y.count) * log(sse) + 2 * logSum, l, b, s)
    }

    @Test func specialisedKernelMatchesTheTextbookUpdateForEveryStructure() throws {
        let y: [Double] = (0..<200).map { (t: Int) -> Double in
            let x = Double(t)
            let wave: Double = 4 * sin(x * 2 * Double.pi / 7)
            let noise: Double = Double((t * 37) % 11) * 0.3
            return 20 + 0.05 * x + wave + noise
        }
        let p = ETSParameters(alpha: 0.31, beta: 0.07, gamma: 0.12, phi: 0.93)
        for e in [ETSSpec.Component.additive, .multiplicative] {
            for tr in [ETSSpec.Component.none, .additive, .multiplicative] {
                for se in [ETSSpec.Component.none, .additive, .multiplicative] {
                    for damped in [false, true] where !(damped && tr == .none) {
                        let spec = ETSSpec(error: e, trend: tr, season: se, damped: damped)
                        var params = p
                        if !damped { params.phi = 1 }
                        let seasons: [Double] =
                            se == .multiplicative
                            ? [0.9, 1.1, 1.0, 0.95, 1.05, 1.02, 0.98]
                            : (se == .additive ? [-2, 1, 0.5, 0, 1.5, -0.5, -0.5] : [])
                        let level = 20.0, trend = tr == .multiplicative ? 1.002 : 0.05
                        let m = se == .none ? 1 : 7
                        let ref = Self.referenceLikelihood(y, spec: spec, m: m, p: params, level: level, trend: trend, seasons: seasons)
                        let run = ETSRecursion(spec: spec, m: m, p: params).run(y, level: level, trend: tr == .none ? 0 : trend, seasons: seasons)
                        #expect(abs(run.likelihood - ref.0) <= 1e-9 * abs(ref.0), "\(spec): \(run.likelihood) vs \(ref.0)")
                        #expect(abs(run.level - ref.1) <= 1e-9 * abs(ref.1), "\(spec) level")
                        if tr != .none { #expect(abs(run.trend - ref.2) <= 1e-9 * max(1, abs(ref.2)), "\(spec) trend") }
                        for (a, b) in zip(run.seasons, ref.3) { #expect(abs(a - b) <= 1e-9 * max(1, abs(b)), "\(spec) seasons") }
                    }
                }
            }
        }
    }

    static func fixtureSeries() throws -> [(String, [Double])] {
        let doc = try #require(ETSReferenceTests.document)
        return doc.series.sorted { $0.key < $1.key }.filter { $0.value.count > 100 }.map { ($0.key, $0.value) }
    }

    @Test func keepingTheStructureReestimatesItLikeAColdFit() throws {
        let auto = try AutoETS(seasonLength: 7)
        for (name, y) in try Self.fixtureSeries() {
            let earlier = try auto.fit(Array(y.dropLast(28)))
            let refit = try #require(try auto.refit(y, after: earlier, keepStructure: true, sameOrigin: true) as? ETSFit)
            #expect(refit.modelName == earlier.modelName, "\(name)")
            let cold = try #require(try ETS(refit.spec, seasonLength: 7).fit(y) as? ETSFit)
            // Same likelihood surface, searched from a better start: never a clearly worse optimum.
            #expect(refit.aicc <= cold.aicc + 1, "\(name) \(refit.spec): warm AICc \(refit.aicc) vs cold \(cold.aicc)")
            let a = try refit.predict(horizon: 28, level: 0.8).mean, b = try cold.predict(horizon: 28, level: 0.8).mean
            let scale = ETSReferenceTests.scale(y)
            #expect(zip(a, b).allSatisfy { abs($0 - $1) <= 0.03 * scale }, "\(name): warm \(a.prefix(3)) cold \(b.prefix(3))")
        }
    }

    @Test func warmReselectionChoosesLikeAColdSelection() throws {
        let auto = try AutoETS(seasonLength: 7)
        var same = 0, total = 0
        for (name, y) in try Self.fixtureSeries() {
            let earlier = try auto.fit(Array(y.dropLast(28)))
            let warm = try #require(try auto.refit(y, after: earlier, keepStructure: false, sameOrigin: true) as? ETSFit)
            let cold = try #require(try auto.fit(y) as? ETSFit)
            total += 1
            if warm.modelName == cold.modelName { same += 1 }
            #expect(warm.aicc <= cold.aicc + 1, "\(name): warm \(warm.modelName) \(warm.aicc) vs cold \(cold.modelName) \(cold.aicc)")
            #expect(warm.candidates.count == cold.candidates.count, "\(name): every structure compared again")
        }
        #expect(same * 4 >= total * 3, "\(same) of \(total) the same")
    }

    @Test func slidingWindowsReuseParametersButNotInitialStates() throws {
        let auto = try AutoETS(seasonLength: 7)
        let (_, y) = try #require(try Self.fixtureSeries().first)
        let earlier = try #require(try auto.fit(Array(y.prefix(y.count - 28))) as? ETSFit)
        let later = Array(y.suffix(y.count - 28))
        let refit = try #require(try auto.refit(later, after: earlier, keepStructure: true, sameOrigin: false) as? ETSFit)
        let cold = try #require(try ETS(earlier.spec, seasonLength: 7).fit(later) as? ETSFit)
        #expect(refit.spec == earlier.spec)
        #expect(refit.aicc <= cold.aicc + 1)
    }

    @Test func refitAfterAnotherModelIsAFullFit() throws {
        let auto = try AutoETS(seasonLength: 7)
        let (_, y) = try #require(try Self.fixtureSeries().first)
        let naive = try Naive().fit(Array(y.dropLast(28)))
        let refit = try auto.refit(y, after: naive, keepStructure: true, sameOrigin: true)
        let cold = try auto.fit(y)
        #expect(refit.modelName == cold.modelName)
        #expect(try refit.predict(horizon: 7, level: 0.8).mean == cold.predict(horizon: 7, level: 0.8).mean)
    }

    @Test func aStructureTheNewHistoryRulesOutIsReselected() throws {
        // Positive history picks a multiplicative structure; a zero in the new data rules it out.
        let auto = try AutoETS(seasonLength: 7)
        let pattern: [Double] = [0.6, 0.8, 1.0, 1.1, 1.3, 1.6, 0.6]
        let y: [Double] = (0..<150).map { (t: Int) -> Double in
            let level: Double = 30 + 0.2 * Double(t)
            return level * pattern[t % 7] + Double((t * 13) % 5)
        }
        let earlier = try #require(try auto.fit(y) as? ETSFit)
        let withZero = y + [0] + Array(y.suffix(27))
        let refit = try #require(try auto.refit(withZero, after: earlier, keepStructure: true, sameOrigin: true) as? ETSFit)
        #expect(refit.spec.error == .additive && refit.spec.season != .multiplicative, "\(refit.modelName)")
        if earlier.spec.error == .multiplicative || earlier.spec.season == .multiplicative {
            #expect(refit.modelName != earlier.modelName)
        }
    }
}
