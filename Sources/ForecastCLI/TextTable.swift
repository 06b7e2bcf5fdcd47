import Escaping

/// A plain, aligned text table for terminal output. Every cell goes through `Escape.terminal`
/// (issue 29, finding 12: a label with an escape sequence reached the terminal raw).
struct TextTable {
    let header: [String]
    var rows: [[String]] = []

    init(header: [String]) { self.header = header.map { Escape.terminal($0) } }

    mutating func add(_ row: [String]) { rows.append(row.map { Escape.terminal($0) }) }

    func render() -> String {
        var widths = header.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in c + String(repeating: " ", count: max(0, widths[i] - c.count)) }
                .joined(separator: "  ").trimmingTrailingSpaces()
        }
        return ([line(header), line(widths.map { String(repeating: "-", count: $0) })] + rows.map(line)).joined(separator: "\n")
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}
