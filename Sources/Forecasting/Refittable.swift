/// A model whose fit is a search (over model forms and by an optimiser) that can start from an
/// earlier fit of the same series, as a rolling-origin backtest does from one fold to the next.
public protocol Refittable: ForecastModel {
    /// Refits on `y`, a longer history of the series `previous` was fitted to. The optimiser
    /// starts from `previous`'s optimum (same criterion, shorter search). `keepStructure` refits
    /// only the form chosen before ("re-estimate, not re-select", Tashman 2000); `sameOrigin`
    /// says `y` starts where the earlier history started (expanding window), so fitted initial
    /// states carry over too. Falls back to a full fit when nothing carries over.
    func refit(_ y: [Double], after previous: any FittedModel, keepStructure: Bool, sameOrigin: Bool) throws -> any FittedModel
}
