/// Encodes rows in PostgreSQL's binary COPY format:
/// signature `PGCOPY\n\xff\r\n\0`, flags, header extension, then per row an int16 field count and
/// per field an int32 length (-1 = NULL) followed by the big-endian value; trailer int16 -1.
public struct BinaryCopyWriter: Sendable {
    public private(set) var bytes: [UInt8] = []
    public private(set) var rowCount = 0

    public static let signature: [UInt8] = [0x50, 0x47, 0x43, 0x4F, 0x50, 0x59, 0x0A, 0xFF, 0x0D, 0x0A, 0x00]

    public init(reservingCapacity capacity: Int = 1 << 16) {
        bytes.reserveCapacity(capacity)
        bytes.append(contentsOf: Self.signature)
        appendInt32(0)  // flags
        appendInt32(0)  // header extension length
    }

    public mutating func beginRow(fieldCount: Int) {
        appendInt16(Int16(fieldCount))
        rowCount += 1
    }

    public mutating func appendNull() { appendInt32(-1) }

    public mutating func append(_ value: String) {
        var s = value
        s.withUTF8 { utf8 in
            appendInt32(Int32(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    public mutating func append(_ value: Double) {
        appendInt32(8)
        appendUInt64(value.bitPattern)
    }

    public mutating func append(_ value: Int32) {
        appendInt32(4)
        appendInt32(value)
    }

    public mutating func append(_ value: Int64) {
        appendInt32(8)
        appendUInt64(UInt64(bitPattern: value))
    }

    public mutating func append(_ value: Bool) {
        appendInt32(1)
        bytes.append(value ? 1 : 0)
    }

    public mutating func append(_ value: PostgresDate) {
        appendInt32(4)
        appendInt32(value.daysSince2000)
    }

    public mutating func append(_ value: PostgresTimestamp) {
        appendInt32(8)
        appendUInt64(UInt64(bitPattern: value.microsecondsSince2000))
    }

    /// The bytes with the trailer appended; the writer itself is left unchanged.
    public func finished() -> [UInt8] { bytes + Self.trailer }

    /// The end of the data: a field count of -1.
    public static let trailer: [UInt8] = [0xFF, 0xFF]

    mutating func appendInt16(_ v: Int16) {
        withUnsafeBytes(of: v.bigEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func appendInt32(_ v: Int32) {
        withUnsafeBytes(of: v.bigEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func appendUInt64(_ u: UInt64) {
        withUnsafeBytes(of: u.bigEndian) { bytes.append(contentsOf: $0) }
    }
}
