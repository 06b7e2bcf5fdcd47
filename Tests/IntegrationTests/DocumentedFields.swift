import Foundation
import Testing

/// The field table of docs/configuration.md ("Output for scripts"): what a command's `--format
/// json|jsonl|csv` prints, per table. Tests hold the commands' output to it, so that the page a
/// script's author reads is the interface.
enum DocumentedFields {
    static let table: [String: [String]] = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        guard let page = try? String(contentsOf: root.appendingPathComponent("docs/configuration.md"), encoding: .utf8) else { return [:] }
        var fields: [String: [String]] = [:]
        for line in page.split(separator: "\n") where line.hasPrefix("| `") {
            // | `command` | `table` | `a, b, c` |
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "`")) }
            guard cells.count == 3, !cells[2].isEmpty else { continue }
            fields["\(cells[0])/\(cells[1])"] = cells[2].components(separatedBy: ", ")
        }
        return fields
    }()

    /// The rows' keys are exactly the documented fields (a table that came out empty has none to check).
    static func expect(_ command: String, _ table: String, rows: [[String: Any]]?, sourceLocation: SourceLocation = #_sourceLocation) {
        let documented = Self.table["\(command)/\(table)"]
        #expect(documented != nil, "docs/configuration.md has no row for \(command) / \(table)", sourceLocation: sourceLocation)
        guard let documented, let rows else { return }
        for row in rows {
            #expect(Set(row.keys) == Set(documented), "\(command) / \(table): \(row.keys.sorted()) against \(documented)", sourceLocation: sourceLocation)
        }
    }

    /// A CSV header is the documented fields, in their order.
    static func expectHeader(_ command: String, _ table: String, csv: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let header = csv.split(separator: "\n").first.map { $0.components(separatedBy: ",") }
        #expect(header == Self.table["\(command)/\(table)"], "\(command) / \(table): \(header ?? [])", sourceLocation: sourceLocation)
    }
}
