/// One-dimensional arrays in binary COPY: int32 dimensions (1), int32 has-NULL flag (0), the
/// element type's OID, int32 length and lower bound (1), then each element as a field
/// (int32 length, big-endian value). An empty array is encoded with no dimensions.
extension BinaryCopyWriter {
    /// `float8[]` (any collection: a slice of a forecast is encoded without a copy).
    public mutating func append<C: Collection<Double>>(_ values: C) {
        appendArrayHeader(count: values.count, elementOID: 701, elementBytes: 8)
        for v in values {
            appendInt32(8)
            appendUInt64(v.bitPattern)
        }
    }

    /// `date[]`.
    public mutating func append<C: Collection<PostgresDate>>(_ values: C) {
        appendArrayHeader(count: values.count, elementOID: 1082, elementBytes: 4)
        for v in values {
            appendInt32(4)
            appendInt32(v.daysSince2000)
        }
    }

    private mutating func appendArrayHeader(count: Int, elementOID: Int32, elementBytes: Int) {
        guard count > 0 else {
            appendInt32(12)
            appendInt32(0)
            appendInt32(0)
            appendInt32(elementOID)
            return
        }
        appendInt32(Int32(20 + count * (4 + elementBytes)))
        appendInt32(1)
        appendInt32(0)
        appendInt32(elementOID)
        appendInt32(Int32(count))
        appendInt32(1)
    }
}
