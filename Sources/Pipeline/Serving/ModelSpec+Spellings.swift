import Forecasting
import GradientBoosting

/// The names a model goes by, in one place: the spellings `init(parsing:)` reads (what `--model`,
/// `--models` and `--candidates` list in their help and errors), and the names the tables and
/// reports show (`primaryName()`, e.g. `XGBoost[log]`), which are read back as input too, so a
/// name copied from `backtest` or `models show` works as an argument.
extension ModelSpec {
    /// Every spelling of one model besides custom combinations, in the order help lists them:
    /// the kinds, local ones also on log units (`:log1p`), the boosters by objective.
    public static let spellings: [String] = Kind.allCases.flatMap { kind -> [String] in
        switch kind {
        case .xgboost:
            return BoostingObjective.allCases.map { $0 == .tweedie ? kind.rawValue : "\(kind.rawValue):\($0.rawValue)" }
        case .selected, .priceRegression, .combination:
            return [kind.rawValue]
        default:
            return [kind.rawValue] + TargetTransform.allCases.map { "\(kind.rawValue):\($0.rawValue)" }
        }
    }

    /// The spellings as help and errors list them, the variants after their kind:
    /// `..., auto_theta (each also :log1p), selected, xgboost (also :l1, :log, ...), ...`.
    public static var spellingList: String {
        var out: [String] = []
        var local: [String] = []
        for kind in Kind.allCases {
            let variants = spellings.filter { $0.hasPrefix(kind.rawValue + ":") }.map { $0.dropFirst(kind.rawValue.count) }
            if !variants.isEmpty && variants == TargetTransform.allCases.map({ ":\($0.rawValue)"[...] }) {
                local.append(kind.rawValue)
                continue
            }
            if !local.isEmpty {
                out.append(local.joined(separator: ", ") + " (each also " + TargetTransform.allCases.map { ":\($0.rawValue)" }.joined(separator: ", ") + ")")
                local = []
            }
            out.append(kind.rawValue + (variants.isEmpty ? "" : " (also " + variants.joined(separator: ", ") + ")"))
        }
        return out.joined(separator: ", ")
    }

    /// The spec a shown name stands for (`XGBoost[log]`, `AutoETS[log1p]`, `SeasonalNaive(52)`,
    /// `Combination[XGBoost[log]+XGBoost[log,depth]+PriceRegression]`), at this season length and
    /// window; nil when no spelling is shown that way.
    static func shown(_ name: String, seasonLength: Int, window: Int) -> ModelSpec? {
        let prefix = combinationName + "["
        if name.hasPrefix(prefix), name.hasSuffix("]") {
            let inner = name.dropFirst(prefix.count).dropLast()
            let members = inner.split(separator: "+", omittingEmptySubsequences: false).map {
                shown(String($0), seasonLength: seasonLength, window: window)?.argument
            }
            guard members.allSatisfy({ $0 != nil }) else { return nil }
            let spec = try? ModelSpec(
                parsing: "combination:" + members.map { $0! }.joined(separator: "+"), seasonLength: seasonLength, window: window)
            return spec.flatMap { (try? $0.primaryName()) == ModelName(name) ? $0 : nil }
        }
        for spelling in spellings {
            guard let spec = try? ModelSpec(parsing: spelling, seasonLength: seasonLength, window: window) else { continue }
            if (try? spec.primaryName()) == ModelName(name) { return spec }
        }
        return nil
    }
}
