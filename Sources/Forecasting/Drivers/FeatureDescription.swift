/// One input of a model with its lineage: what it is, where it comes from, and when it is known
/// (the leakage rule a test holds it to). The global booster's `FeatureSpec` and the price
/// regression list their inputs this way, and the model card prints them.
public struct FeatureDescription: Sendable {
    public let name: String
    public let formula: String
    public let source: String
    public let knownAt: String

    public init(name: String, formula: String, source: String, knownAt: String) {
        self.name = name
        self.formula = formula
        self.source = source
        self.knownAt = knownAt
    }
}
