import Foundation
import Testing

@testable import Pipeline

/// The reference pages under docs/ say what the code does: every data contract, exit code and
/// model kind is named there, every relative link leads to a file, and the README stays a page a
/// newcomer reads (at most 400 lines).
struct DocsTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func text(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    @Test func theReadmeIsShort() throws {
        let lines = try Self.text("README.md").split(separator: "\n", omittingEmptySubsequences: false).count
        #expect(lines <= 400, "README.md has \(lines) lines; reference material belongs under docs/")
    }

    @Test func everyDataContractIsListed() throws {
        let page = try Self.text("docs/contracts.md")
        let folder = Self.root.appendingPathComponent("sql/contracts")
        let rules = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".sql") }
            .map { String($0.dropLast(4)) }.sorted()
        #expect(rules.count >= 20)
        for rule in rules { #expect(page.contains("`\(rule)`"), "docs/contracts.md does not name \(rule)") }
    }

    /// The exit-code table has a row for every code `ExitCodes` defines, and no other.
    @Test func theExitCodeTableMatchesTheCode() throws {
        let source = try Self.text("Sources/ForecastCLI/ExitCodes.swift")
        let defined = Set(
            source.split(separator: "\n").compactMap { line -> Int? in
                guard let range = line.range(of: #"static let \w+: Int32 = \d+"#, options: .regularExpression) else { return nil }
                return Int(line[range].split(separator: " ").last!)
            })
        #expect(defined.count >= 12)
        let page = try Self.text("docs/configuration.md")
        let rows = Set(
            page.split(separator: "\n").compactMap { line -> Int? in
                // "| 64 | ..." (the signals' row, "| 129 / 130 / 143 |", is checked below)
                let cells = line.split(separator: "|", omittingEmptySubsequences: false)
                guard line.hasPrefix("| "), cells.count > 2 else { return nil }
                return Int(cells[1].trimmingCharacters(in: .whitespaces))
            })
        #expect(rows == defined, "table: \(rows.sorted()), ExitCodes: \(defined.sorted())")
        #expect(page.contains("| 129 / 130 / 143 |"))
    }

    @Test func everyModelKindIsDocumented() throws {
        let page = try Self.text("docs/models.md")
        for kind in ModelSpec.Kind.allCases { #expect(page.contains("`\(kind.rawValue)"), "docs/models.md does not name \(kind.rawValue)") }
    }

    /// Relative links of the README and of docs/ lead to files that exist.
    @Test func relativeLinksResolve() throws {
        let docs = try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent("docs").path)
            .filter { $0.hasSuffix(".md") }.map { "docs/" + $0 }
        #expect(docs.count >= 8)
        for page in ["README.md"] + docs {
            let text = try Self.text(page)
            let base = Self.root.appendingPathComponent(page).deletingLastPathComponent()
            var rest = text[...]
            while let open = rest.range(of: "](") {
                let after = rest[open.upperBound...]
                guard let close = after.firstIndex(of: ")") else { break }
                let target = String(after[..<close]).split(separator: "#", maxSplits: 1).first.map(String.init) ?? ""
                rest = after[close...]
                if target.isEmpty || target.contains("://") { continue }
                let exists = FileManager.default.fileExists(atPath: base.appendingPathComponent(target).standardizedFileURL.path)
                #expect(exists, "\(page) links to \(target), which does not exist")
            }
        }
    }
}
