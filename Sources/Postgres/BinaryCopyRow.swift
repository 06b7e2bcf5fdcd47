/// One row of a binary COPY OUT stream; read its fields in order.
/// Field decoders read the big-endian representations of int4, int8, float8, bool, date, timestamptz and text.
public struct BinaryCopyRow: ~Copyable {
    let base: UnsafeRawBufferPointer
    var offset: Int
    public let fieldCount: Int

    init(base: UnsafeRawBufferPointer, offset: Int, fieldCount: Int) {
        self.base = base
        self.offset = offset
        self.fieldCount = fieldCount
    }

    mutating func fieldLength() throws -> Int {
        guard offset + 4 <= base.count else { throw Self.truncated }
        let n = Int(Int32(bitPattern: readUInt32(at: offset)))
        offset += 4
        if n >= 0 && offset + n > base.count { throw Self.truncated }
        return n
    }

    func readUInt32(at o: Int) -> UInt32 {
        UInt32(base[o]) << 24 | UInt32(base[o + 1]) << 16 | UInt32(base[o + 2]) << 8 | UInt32(base[o + 3])
    }

    func readUInt64(at o: Int) -> UInt64 {
        UInt64(readUInt32(at: o)) << 32 | UInt64(readUInt32(at: o + 4))
    }

    static let truncated = PostgresError(kind: .protocolViolation, message: "truncated binary COPY row")

    static func wrongLength(_ n: Int, _ type: String) -> PostgresError {
        PostgresError(kind: .decoding, message: "binary COPY field of \(n) bytes is not a \(type)")
    }

    /// Returns nil for SQL NULL.
    public mutating func readInt32() throws -> Int32? {
        let n = try fieldLength()
        if n < 0 { return nil }
        guard n == 4 else { throw Self.wrongLength(n, "int4") }
        defer { offset += 4 }
        return Int32(bitPattern: readUInt32(at: offset))
    }

    public mutating func readInt64() throws -> Int64? {
        let n = try fieldLength()
        if n < 0 { return nil }
        guard n == 8 else { throw Self.wrongLength(n, "int8") }
        defer { offset += 8 }
        return Int64(bitPattern: readUInt64(at: offset))
    }

    public mutating func readDouble() throws -> Double? {
        let n = try fieldLength()
        if n < 0 { return nil }
        guard n == 8 else { throw Self.wrongLength(n, "float8") }
        defer { offset += 8 }
        return Double(bitPattern: readUInt64(at: offset))
    }

    public mutating func readBool() throws -> Bool? {
        let n = try fieldLength()
        if n < 0 { return nil }
        guard n == 1 else { throw Self.wrongLength(n, "bool") }
        defer { offset += 1 }
        return base[offset] != 0
    }

    public mutating func readDate() throws -> PostgresDate? {
        try readInt32().map { PostgresDate(daysSince2000: $0) }
    }

    public mutating func readTimestamp() throws -> PostgresTimestamp? {
        try readInt64().map { PostgresTimestamp(microsecondsSince2000: $0) }
    }

    public mutating func readString() throws -> String? {
        let n = try fieldLength()
        if n < 0 { return nil }
        defer { offset += n }
        return String(decoding: UnsafeRawBufferPointer(rebasing: base[offset..<offset + n]), as: UTF8.self)
    }
}

extension BinaryCopyRow {
    /// A one-dimensional array field (`int4[]`, `float8[]`...) in PostgreSQL's binary array format:
    /// ndim, has-null flag, element type oid, then per dimension (size, lower bound), then each
    /// element as int32 length + value. NULL elements are passed to `element` as nil.
    /// Returns false for a NULL array.
    public mutating func readArray(_ element: (UnsafeRawBufferPointer?) throws -> Void) throws -> Bool {
        let n = try fieldLength()
        if n < 0 { return false }
        let end = offset + n
        guard n >= 12 else { throw Self.wrongLength(n, "array") }
        let ndim = Int(Int32(bitPattern: readUInt32(at: offset)))
        offset += 12
        guard ndim <= 1 else {
            throw PostgresError(kind: .decoding, message: "expected a one-dimensional array, got \(ndim) dimensions")
        }
        var count = 0
        if ndim == 1 {
            guard offset + 8 <= end else { throw Self.truncated }
            count = Int(Int32(bitPattern: readUInt32(at: offset)))
            offset += 8
        }
        for _ in 0..<count {
            guard offset + 4 <= end else { throw Self.truncated }
            let len = Int(Int32(bitPattern: readUInt32(at: offset)))
            offset += 4
            if len < 0 {
                try element(nil)
                continue
            }
            guard offset + len <= end else { throw Self.truncated }
            try element(UnsafeRawBufferPointer(rebasing: base[offset..<offset + len]))
            offset += len
        }
        offset = end
        return true
    }

    /// `int4[]` elements (NULLs skipped).
    public mutating func readInt32Array() throws -> [Int32]? {
        var out: [Int32] = []
        let present = try readArray { bytes in
            guard let bytes, bytes.count == 4 else { return }
            out.append(Int32(bitPattern: UInt32(bytes[0]) << 24 | UInt32(bytes[1]) << 16 | UInt32(bytes[2]) << 8 | UInt32(bytes[3])))
        }
        return present ? out : nil
    }

    /// `float8[]` elements; NULL elements become NaN so positions stay aligned.
    public mutating func readDoubleArray() throws -> [Double]? {
        var out: [Double] = []
        let present = try readArray { bytes in
            guard let bytes, bytes.count == 8 else {
                out.append(.nan)
                return
            }
            var bits: UInt64 = 0
            for i in 0..<8 { bits = bits << 8 | UInt64(bytes[i]) }
            out.append(Double(bitPattern: bits))
        }
        return present ? out : nil
    }
}

extension BinaryCopyRow {
    /// `int8[]` elements (NULLs skipped).
    public mutating func readInt64Array() throws -> [Int64]? {
        var out: [Int64] = []
        let present = try readArray { bytes in
            guard let bytes, bytes.count == 8 else { return }
            var bits: UInt64 = 0
            for i in 0..<8 { bits = bits << 8 | UInt64(bytes[i]) }
            out.append(Int64(bitPattern: bits))
        }
        return present ? out : nil
    }

    /// `text[]` elements; NULL elements become empty strings so positions stay aligned.
    public mutating func readStringArray() throws -> [String]? {
        var out: [String] = []
        let present = try readArray { bytes in
            out.append(bytes.map { String(decoding: $0, as: UTF8.self) } ?? "")
        }
        return present ? out : nil
    }
}
