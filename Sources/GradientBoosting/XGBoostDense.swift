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

extension Booster {
    /// XGBoost's quantile matrix of `m` for `hist` trees of `bins` bins, on one thread: XGBoost
    /// sketches the columns and keeps only each value's bin, read from `m` through its data
    /// iterator (one dense batch, handed over as an array interface). NaN marks a missing value.
    static func quantileMatrix(_ m: FeatureMatrix, bins: Int) throws -> DMatrixHandle? {
        var proxy: DMatrixHandle?
        try check(XGProxyDMatrixCreate(&proxy), "XGProxyDMatrixCreate")
        defer { XGDMatrixFree(proxy) }
        return try m.values.withUnsafeBufferPointer { buf in
            let batch = DenseBatch(proxy: proxy, interface: FeatureMatrix.arrayInterface(buf.baseAddress, rows: m.rows, columns: m.columns))
            let iterator = Unmanaged.passRetained(batch)
            defer { iterator.release() }
            var out: DMatrixHandle?
            let config = "{\"missing\": NaN, \"nthread\": 1, \"max_bin\": \(bins)}"
            let rc = XGQuantileDMatrixCreateFromCallback(iterator.toOpaque(), proxy, nil, { DenseBatch.of($0)?.restart() },
                                                         { DenseBatch.of($0)?.next() ?? 0 }, config, &out)
            if let failure = batch.failure { throw failure }
            try check(rc, "XGQuantileDMatrixCreateFromCallback")
            return out
        }
    }
}

/// The one batch of a quantile matrix's data iterator (XGBoost calls back with its address).
private final class DenseBatch {
    let proxy: DMatrixHandle?
    let interface: String
    var given = false
    var failure: XGBoostError?

    init(proxy: DMatrixHandle?, interface: String) {
        self.proxy = proxy
        self.interface = interface
    }

    static func of(_ handle: DataIterHandle?) -> DenseBatch? {
        handle.map { Unmanaged<DenseBatch>.fromOpaque($0).takeUnretainedValue() }
    }

    func restart() { given = false }

    /// 1: the batch is set on the proxy; 0: no more batches (or the proxy refused it: `failure`).
    func next() -> Int32 {
        guard !given else { return 0 }
        given = true
        do {
            try check(XGProxyDMatrixSetDataDense(proxy, interface), "XGProxyDMatrixSetDataDense")
            return 1
        } catch let error as XGBoostError {
            failure = error
            return 0
        } catch {
            return 0
        }
    }
}
