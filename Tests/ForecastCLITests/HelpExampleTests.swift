import ArgumentParser
import Testing

@testable import ForecastCLI

/// Every command shows examples in `--help`, and every example parses as written: a renamed flag or
/// a value the command no longer accepts fails here, not in a planner's terminal.
struct HelpExampleTests {
    /// Every command below the root, with its path (`models show`).
    static func commands(_ type: any ParsableCommand.Type = Forecastctl.self, path: [String] = []) -> [(path: [String], type: any ParsableCommand.Type)] {
        type.configuration.subcommands.flatMap { sub -> [(path: [String], type: any ParsableCommand.Type)] in
            let here = path + [sub._commandName]
            return [(here, sub)] + commands(sub, path: here)
        }
    }

    /// The example commands of a help text: the lines after "Examples:" that start with
    /// `forecastctl`, a line ending in `\\` joined with the next, as a shell does.
    static func examples(_ discussion: String) -> [(command: String, lines: [String])] {
        guard let start = discussion.range(of: "Examples:") else { return [] }
        var out: [(command: String, lines: [String])] = [], pending: [String] = []
        for raw in discussion[start.upperBound...].split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            guard !pending.isEmpty || line.hasPrefix("forecastctl ") else { continue }
            pending.append(line)
            if !line.hasSuffix("\\") {
                out.append((pending.map { $0.hasSuffix("\\") ? String($0.dropLast()) : $0 }.joined(separator: " "), pending.map { raw in String(raw) }))
                pending = []
            }
        }
        return out
    }

    /// The words a shell would pass (single and double quotes), up to a pipe, a redirection, a
    /// comment or `||`: what follows is the shell's, not forecastctl's.
    static func words(_ line: String) -> [String] {
        var out: [String] = [], word = "", quote: Character?, inWord = false
        for ch in line {
            if let q = quote {
                if ch == q { quote = nil } else { word.append(ch) }
                continue
            }
            switch ch {
            case "'", "\"":
                quote = ch
                inWord = true
            case " ":
                if inWord { out.append(word) }
                word = ""
                inWord = false
            case "|", ">", "#":
                if inWord { out.append(word) }
                return out
            default:
                word.append(ch)
                inWord = true
            }
        }
        if inWord { out.append(word) }
        return out
    }

    @Test func everyCommandHasExamplesThatParse() throws {
        var checked = 0
        for (path, command) in Self.commands() {
            let lines = Self.examples(command.configuration.discussion)
            // A command with subcommands shows its examples on them (`models list`, `models show`).
            if command.configuration.subcommands.isEmpty {
                #expect(!lines.isEmpty, "forecastctl \(path.joined(separator: " ")) --help shows no example")
            }
            for (line, shown) in lines {
                for part in shown { #expect(part.count + 2 <= 80, "wider than 80 columns, argument-parser would wrap it: \(part)") }
                let words = Self.words(line)
                #expect(words.first == "forecastctl")
                do {
                    let parsed = try Forecastctl.parseAsRoot(Array(words.dropFirst()))
                    let parsedName = type(of: parsed)._commandName
                    #expect(parsedName == command._commandName, "\(line) parses as \(parsedName)")
                } catch {
                    Issue.record("\(line): \(Forecastctl.message(for: error))")
                }
                checked += 1
            }
        }
        #expect(checked >= 40, "\(checked) examples")
    }

    @Test func shellWordsStopAtTheShell() {
        #expect(
            Self.words(#"forecastctl cancel --run 42 --reason "wrong 'price' file""#) == [
                "forecastctl", "cancel", "--run", "42", "--reason", "wrong 'price' file",
            ])
        #expect(Self.words("forecastctl evaluate --format json | jq '.accuracy'") == ["forecastctl", "evaluate", "--format", "json"])
        #expect(Self.words("forecastctl retention --format csv > plan.csv") == ["forecastctl", "retention", "--format", "csv"])
        #expect(Self.words("forecastctl retention  # the plan") == ["forecastctl", "retention"])
        #expect(Self.words(#"forecastctl x --reason """#) == ["forecastctl", "x", "--reason", ""])
    }
}
