import CXGBoost

extension FeatureMatrix {
    /// The values as an `__array_interface__` (JSON) for XGBoost to read in place: valid only while
    /// `base` (the values' buffer) is.
    static func arrayInterface(_ base: UnsafePointer<Float>?, rows: Int, columns: Int) -> String {
        """
        {"data": [\(UInt(bitPattern: base)), true], "shape": [\(rows), \(columns)], "strides": null, "typestr": "<f4", "version": 3}
        """
    }
}

/// Training features that are written out in row ranges (row-major, NaN = missing) when XGBoost
/// reads them: from a matrix, or from rows kept elsewhere without a copy of them all.
struct FeatureSource: Sendable {
    let rows: Int
    let columns: Int
    /// Writes rows `range`, `range.count * columns` values, to the destination.
    let write: @Sendable (Range<Int>, UnsafeMutablePointer<Float>) -> Void

    init(rows: Int, columns: Int, write: @escaping @Sendable (Range<Int>, UnsafeMutablePointer<Float>) -> Void) {
        self.rows = rows
        self.columns = columns
        self.write = write
    }

    init(_ m: FeatureMatrix) {
        let columns = m.columns
        self.init(rows: m.rows, columns: columns) { range, out in
            m.values.withUnsafeBufferPointer { buf in
                out.update(from: buf.baseAddress! + range.lowerBound * columns, count: range.count * columns)
            }
        }
    }

    /// All the rows as one matrix.
    func matrix() -> FeatureMatrix {
        var m = FeatureMatrix(columns: columns)
        m.values = [Float](unsafeUninitializedCapacity: rows * columns) { buf, count in
            if rows > 0 { write(0..<rows, buf.baseAddress!) }
            count = rows * columns
        }
        return m
    }
}

extension Booster {
    /// XGBoost's quantile matrix of `source` for `hist` trees of `bins` bins, on one thread: XGBoost
    /// sketches the columns and keeps only each value's bin, read through its data iterator in
    /// batches of `batchRows` rows (array interfaces to one reused buffer). The same bins as from
    /// one batch of all rows (`XGBoostTests`).
    /// `featureTypes`: typed on the proxy with every batch, so that the sketch keeps each category its own bin.
    static func quantileMatrix(_ source: FeatureSource, bins: Int, batchRows: Int = 65_536, featureTypes: [String]? = nil) throws -> DMatrixHandle? {
        var proxy: DMatrixHandle?
        try check(XGProxyDMatrixCreate(&proxy), "XGProxyDMatrixCreate")
        defer { XGDMatrixFree(proxy) }
        let batches = FeatureBatches(source: source, proxy: proxy, batchRows: batchRows, featureTypes: featureTypes)
        let iterator = Unmanaged.passRetained(batches)
        defer { iterator.release() }
        var out: DMatrixHandle?
        let config = "{\"missing\": NaN, \"nthread\": 1, \"max_bin\": \(bins)}"
        let rc = XGQuantileDMatrixCreateFromCallback(
            iterator.toOpaque(), proxy, nil, { FeatureBatches.of($0)?.restart() },
            { FeatureBatches.of($0)?.next() ?? 0 }, config, &out)
        if let failure = batches.failure { throw failure }
        try check(rc, "XGQuantileDMatrixCreateFromCallback")
        return out
    }
}

/// A quantile matrix's data iterator (XGBoost calls back with its address): the source's rows,
/// one batch at a time in one buffer, which holds each batch until XGBoost asks for the next.
private final class FeatureBatches {
    let source: FeatureSource
    let proxy: DMatrixHandle?
    let batchRows: Int
    let featureTypes: [String]?
    let buffer: UnsafeMutablePointer<Float>
    var position = 0
    var failure: XGBoostError?

    init(source: FeatureSource, proxy: DMatrixHandle?, batchRows: Int, featureTypes: [String]?) {
        self.source = source
        self.featureTypes = featureTypes
        self.proxy = proxy
        self.batchRows = max(1, min(batchRows, source.rows))
        buffer = .allocate(capacity: max(1, self.batchRows * source.columns))
    }

    deinit { buffer.deallocate() }

    static func of(_ handle: DataIterHandle?) -> FeatureBatches? {
        handle.map { Unmanaged<FeatureBatches>.fromOpaque($0).takeUnretainedValue() }
    }

    func restart() { position = 0 }

    /// 1: the next batch is set on the proxy; 0: no more rows (or the proxy refused it: `failure`).
    func next() -> Int32 {
        guard position < source.rows, failure == nil else { return 0 }
        let range = position..<min(source.rows, position + batchRows)
        source.write(range, buffer)
        position = range.upperBound
        do {
            try check(
                XGProxyDMatrixSetDataDense(proxy, FeatureMatrix.arrayInterface(buffer, rows: range.count, columns: source.columns)),
                "XGProxyDMatrixSetDataDense")
            if let featureTypes { try Booster.setFeatureTypes(proxy, featureTypes) }
            return 1
        } catch let error as XGBoostError {
            failure = error
            return 0
        } catch {
            return 0
        }
    }
}
