import CXGBoost
import Foundation

/// An error reported by the XGBoost C library (`XGBGetLastError`).
public struct XGBoostError: Error, CustomStringConvertible, Sendable {
    public let call: String
    public let message: String
    public var description: String { "XGBoost \(call) failed: \(message)" }
}

@inline(__always)
func check(_ rc: Int32, _ call: String) throws {
    guard rc == 0 else {
        throw XGBoostError(call: call, message: XGBGetLastError().map { String(cString: $0) } ?? "unknown error")
    }
}

/// A dense, row-major float matrix; NaN marks a missing value.
public struct FeatureMatrix: Sendable {
    public var values: [Float]
    public let columns: Int
    public var rows: Int { columns == 0 ? 0 : values.count / columns }

    public init(columns: Int, reservingRows: Int = 0) {
        self.columns = columns
        values = []
        values.reserveCapacity(reservingRows * columns)
    }

    public mutating func append(_ row: [Float]) {
        precondition(row.count == columns, "row has \(row.count) values, expected \(columns)")
        values.append(contentsOf: row)
    }
}

/// One XGBoost booster: the only place this project touches the XGBoost C API. Not thread-safe:
/// use one booster per thread (hence `@unchecked Sendable`, for handing it to its thread).
public final class Booster: @unchecked Sendable {
    private var handle: BoosterHandle?

    private init(handle: BoosterHandle?) { self.handle = handle }

    deinit { if let handle { XGBoosterFree(handle) } }

    /// Types the columns of a matrix for XGBoost ("q" numeric, "c" categorical: codes >= 0, NaN missing).
    static func setFeatureTypes(_ dm: DMatrixHandle?, _ types: [String]) throws {
        let strings = types.map { strdup($0) }
        defer { strings.forEach { free($0) } }
        var pointers = strings.map { UnsafePointer<CChar>($0) }
        try pointers.withUnsafeMutableBufferPointer { buf in
            try check(XGDMatrixSetStrFeatureInfo(dm, "feature_type", buf.baseAddress, UInt64(types.count)), "XGDMatrixSetStrFeatureInfo")
        }
    }

    /// A matrix built on one thread: OpenMP threads spinning on 2 shared cores (several workers,
    /// the database) make XGBoost many times slower, not faster (RECIPES).
    static func matrix(_ m: FeatureMatrix, labels: [Float]?) throws -> DMatrixHandle? {
        var dm: DMatrixHandle?
        try m.values.withUnsafeBufferPointer { buf in
            try check(
                XGDMatrixCreateFromMat_omp(buf.baseAddress, UInt64(m.rows), UInt64(m.columns), Float.nan, &dm, 1),
                "XGDMatrixCreateFromMat_omp")
        }
        if let labels {
            try labels.withUnsafeBufferPointer { buf in
                try check(XGDMatrixSetFloatInfo(dm, "label", buf.baseAddress, UInt64(labels.count)), "XGDMatrixSetFloatInfo")
            }
        }
        return dm
    }

    /// Trains `rounds` boosting rounds. Parameters are XGBoost's own (`objective`, `max_depth`,
    /// `eta`, `nthread`, `seed`, ...).
    public static func train(_ features: FeatureMatrix, labels: [Float], parameters: [(String, String)], rounds: Int) throws -> Booster {
        try trainWithFitted(features, labels: labels, parameters: parameters, rounds: rounds).booster
    }

    /// Trains, and returns the predictions on the training rows too: read from XGBoost's prediction
    /// cache of the training matrix (kept up to date while boosting), not recomputed tree by tree.
    public static func trainWithFitted(
        _ features: FeatureMatrix, labels: [Float], parameters: [(String, String)],
        rounds: Int
    ) throws -> (booster: Booster, fitted: [Float]) {
        try trainWithFitted(TrainingMatrix(features), labels: labels, parameters: parameters, rounds: rounds)
    }

    /// As above, on a matrix that several boosters train on in turn (its labels are replaced).
    /// `progress`: called after each round with the rounds done.
    static func trainWithFitted(
        _ matrix: TrainingMatrix, labels: [Float], parameters: [(String, String)],
        rounds: Int, progress: ((Int) -> Void)? = nil
    ) throws -> (booster: Booster, fitted: [Float]) {
        let dm = try matrix.handle(binnedBy: TrainingMatrix.bins(parameters))
        precondition(labels.count == matrix.rows)
        try labels.withUnsafeBufferPointer { buf in
            try check(XGDMatrixSetFloatInfo(dm, "label", buf.baseAddress, UInt64(labels.count)), "XGDMatrixSetFloatInfo")
        }
        var handle: BoosterHandle?
        var matrices: [DMatrixHandle?] = [dm]
        try matrices.withUnsafeMutableBufferPointer { buf in
            try check(XGBoosterCreate(buf.baseAddress, 1, &handle), "XGBoosterCreate")
        }
        let booster = Booster(handle: handle)
        for (key, value) in parameters {
            try check(XGBoosterSetParam(handle, key, value), "XGBoosterSetParam(\(key))")
        }
        for round in 0..<rounds {
            try check(XGBoosterUpdateOneIter(handle, Int32(round), dm), "XGBoosterUpdateOneIter")
            progress?(round + 1)
        }
        return (booster, try booster.predict(dm, rows: matrix.rows))
    }

    /// Restores a booster saved with `serialized()`, predicting on `threads` threads. A saved
    /// model does not keep `nthread`: without it XGBoost predicts on every core, and on shared
    /// cores one daemon's forecasts took up to 15 times as long (bench-scale).
    public convenience init(serialized bytes: [UInt8], threads: Int = 1) throws {
        var handle: BoosterHandle?
        try check(XGBoosterCreate(nil, 0, &handle), "XGBoosterCreate")
        self.init(handle: handle)
        try bytes.withUnsafeBytes { raw in
            try check(XGBoosterLoadModelFromBuffer(handle, raw.baseAddress, UInt64(raw.count)), "XGBoosterLoadModelFromBuffer")
        }
        try check(XGBoosterSetParam(handle, "nthread", String(threads)), "XGBoosterSetParam(nthread)")
    }

    /// The model as Universal Binary JSON: a versionable artifact (copied out of XGBoost's buffer).
    public func serialized() throws -> [UInt8] {
        var length: UInt64 = 0
        var data: UnsafePointer<CChar>?
        try check(XGBoosterSaveModelToBuffer(handle, "{\"format\": \"ubj\"}", &length, &data), "XGBoosterSaveModelToBuffer")
        guard let data else { return [] }
        return data.withMemoryRebound(to: UInt8.self, capacity: Int(length)) { Array(UnsafeBufferPointer(start: $0, count: Int(length))) }
    }

    /// Predictions (copied out of XGBoost's buffer before the next call), read from `features` in
    /// place: XGBoost makes no matrix of its own (its CSR copy was 8 bytes a value, twice the
    /// features; the same predictions, `XGBoostTests`).
    public func predict(_ features: FeatureMatrix) throws -> [Float] {
        guard features.rows > 0 else { return [] }
        return try features.values.withUnsafeBufferPointer { buf in
            var shape: UnsafePointer<UInt64>?
            var dims: UInt64 = 0
            var result: UnsafePointer<Float>?
            try check(
                XGBoosterPredictFromDense(
                    handle, FeatureMatrix.arrayInterface(buf.baseAddress, rows: features.rows, columns: features.columns),
                    "{\"type\": 0, \"training\": false, \"iteration_begin\": 0, \"iteration_end\": 0, \"strict_shape\": false, \"missing\": NaN, \"cache_id\": 0}",
                    nil, &shape, &dims, &result), "XGBoosterPredictFromDense")
            guard let result else { return [] }
            return Array(UnsafeBufferPointer(start: result, count: features.rows))
        }
    }

    /// Predictions through XGBoost's own matrix of `features` (the tests compare it with `predict`).
    func predictThroughMatrix(_ features: FeatureMatrix) throws -> [Float] {
        let dm = try Self.matrix(features, labels: nil)
        defer { XGDMatrixFree(dm) }
        return try predict(dm, rows: features.rows)
    }

    private func predict(_ dm: DMatrixHandle?, rows: Int) throws -> [Float] {
        var shape: UnsafePointer<UInt64>?
        var dims: UInt64 = 0
        var result: UnsafePointer<Float>?
        try check(
            XGBoosterPredictFromDMatrix(
                handle, dm, "{\"type\": 0, \"training\": false, \"iteration_begin\": 0, \"iteration_end\": 0, \"strict_shape\": false}",
                &shape, &dims, &result), "XGBoosterPredictFromDMatrix")
        guard let result else { return [] }
        return Array(UnsafeBufferPointer(start: result, count: rows))
    }
}

/// An XGBoost matrix of training features that several boosters can train on in turn (XGBoost
/// keeps the histogram cuts it computes with the matrix, so they are computed once). Made from
/// `source` at its first use. Not thread-safe: one thread at a time.
///
/// For `hist` trees it is XGBoost's quantile matrix, read from the source in batches: only each
/// value's histogram bin (a byte with up to 256 bins), neither XGBoost's CSR copy of the floats (8
/// bytes a value) next to the bins nor a copy of the source's rows. The boosters are byte for byte
/// the same (`XGBoostTests`); a 2-fold `train` of 30k daily series peaked at 3.6 GB instead of 5.5 GB.
final class TrainingMatrix: @unchecked Sendable {
    private var dm: DMatrixHandle?
    private var binned: Int?
    private let source: FeatureSource
    private let quantised: Bool
    private let batchRows: Int
    /// XGBoost's feature types ("q", "c" for categorical) in column order; nil: every column numeric.
    let featureTypes: [String]?
    var rows: Int { source.rows }

    /// `quantised` false: always XGBoost's plain matrix; `batchRows`: rows per batch read (the tests
    /// compare both with the defaults).
    init(_ source: FeatureSource, quantised: Bool = true, batchRows: Int = 65_536, featureTypes: [String]? = nil) {
        self.source = source
        self.featureTypes = featureTypes
        self.quantised = quantised
        self.batchRows = batchRows
    }

    convenience init(_ features: FeatureMatrix, quantised: Bool = true, batchRows: Int = 65_536, featureTypes: [String]? = nil) {
        self.init(FeatureSource(features), quantised: quantised, batchRows: batchRows, featureTypes: featureTypes)
    }

    /// The histogram bins a training with `parameters` uses (`max_bin`, XGBoost's default 256), or
    /// nil when its trees are not `hist` ones (they need the plain matrix).
    static func bins(_ parameters: [(String, String)]) -> Int? {
        guard parameters.last(where: { $0.0 == "tree_method" })?.1 == "hist" else { return nil }
        return parameters.last { $0.0 == "max_bin" }.flatMap { Int($0.1) } ?? 256
    }

    /// The matrix: quantised into `bins` bins, or plain when nil (remade if an earlier fit wanted the other).
    func handle(binnedBy wanted: Int?) throws -> DMatrixHandle? {
        let bins = quantised ? wanted : nil
        if dm != nil && binned != bins { release() }
        if dm == nil {
            dm =
                try bins.map { try Booster.quantileMatrix(source, bins: $0, batchRows: batchRows, featureTypes: featureTypes) }
                ?? Booster.matrix(source.matrix(), labels: nil)
            if bins == nil, let featureTypes { try Booster.setFeatureTypes(dm, featureTypes) }
            binned = bins
        }
        return dm
    }

    /// Frees XGBoost's copy now (the next use makes it again).
    func release() {
        if let dm { XGDMatrixFree(dm) }
        dm = nil
    }

    deinit { release() }
}
