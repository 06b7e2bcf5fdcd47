/// Parameter checks of forecast::ets with `bounds = "both"`: the usual region
/// (1e-4 <= alpha, beta, gamma <= 0.9999, beta <= alpha, gamma <= 1 - alpha, 0.8 <= phi <= 0.98)
/// and the admissible region of Hyndman, Akram & Archibald (2008), which for seasonal models
/// requires the roots of the characteristic polynomial to lie inside the unit circle.
enum ETSAdmissibility {
    static func check(_ p: ETSParameters, spec: ETSSpec, m: Int) -> Bool {
        let lo = ETSInitialization.lower, up = ETSInitialization.upper
        if p.alpha < lo.alpha || p.alpha > up.alpha { return false }
        if spec.trend != .none && (p.beta < lo.beta || p.beta > p.alpha || p.beta > up.beta) { return false }
        if spec.damped && (p.phi < lo.phi || p.phi > up.phi) { return false }
        if spec.season != .none && (p.gamma < lo.gamma || p.gamma > 1 - p.alpha || p.gamma > up.gamma) { return false }
        return admissible(p, spec: spec, m: m)
    }

    static func admissible(_ p: ETSParameters, spec: ETSSpec, m: Int) -> Bool {
        let phi = spec.damped ? p.phi : 1
        if phi < 0 || phi > 1 + 1e-8 { return false }
        let alpha = p.alpha
        if spec.season == .none {
            if alpha < 1 - 1 / phi || alpha > 1 + 1 / phi { return false }
            if spec.trend != .none {
                let beta = p.beta
                if beta < alpha * (phi - 1) || beta > (1 + phi) * (2 - alpha) { return false }
            }
            return true
        }
        guard m > 1 else { return true }
        let beta = spec.trend == .none ? 0 : p.beta
        let gamma = p.gamma
        if gamma < max(1 - 1 / phi - alpha, 0) || gamma > 1 + 1 / phi - alpha { return false }
        let mm = Double(m)
        if alpha < 1 - 1 / phi - gamma * (1 - mm + phi + phi * mm) / (2 * phi * mm) { return false }
        if beta < -(1 - phi) * (gamma / mm + alpha) { return false }
        // Characteristic polynomial, lowest degree first.
        var poly = [Double](repeating: alpha + beta - alpha * phi, count: m + 2)
        poly[0] = phi * (1 - alpha - gamma)
        poly[1] = alpha + beta - alpha * phi + gamma - 1
        poly[m] = alpha + beta - phi
        poly[m + 1] = 1
        return allRootsInside(poly, radius: 1 + 1e-10)
    }
}
