import ArgumentParser
import Pipeline

/// How a command prints its tables: `text` for people, `json` or `csv` for scripts.
enum OutputFormat: String, CaseIterable, ExpressibleByArgument {
    case text, json, jsonl, csv
}

/// `--format` for the commands that list things (`status`, `latest`, `models list`, `check`,
/// `objectives`, `backtest`). JSON and CSV go to standard output alone, with the field names of
/// `Listing` (stable, snake_case); notes meant for people go to standard error then, so that a
/// script can pipe the output straight into `jq` or a loader.
struct OutputOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "text (aligned tables), json (an array of objects; an object of arrays when the command prints several tables), jsonl (one table: an object per line) or csv (one table: a header of field names, then a line per row).",
            valueName: "format"))
    var format: OutputFormat = .text

    /// Prints the listings in the chosen format; `notes` (people's lines) after a text table, to
    /// standard error otherwise. CSV takes one listing: a command with several says so (exit 64).
    func emit(_ listings: [Listing], notes: [String] = [], command: String) throws {
        switch format {
        case .text:
            for (i, listing) in listings.enumerated() {
                if i > 0 { print("") }
                var table = TextTable(header: listing.columns.map(\.header))
                for row in listing.rows { table.add(row.map(\.shown)) }
                print(table.render())
            }
            for note in notes { print(note) }
        case .json:
            print(Listing.json(listings))
            for note in notes { printErr(note) }
        case .csv, .jsonl:
            guard listings.count == 1 else {
                throw PipelineError.invalidArgument(
                    "--format \(format.rawValue) prints one table; \(command) prints \(Self.names(listings.map(\.name))): use --format json")
            }
            let body = format == .csv ? listings[0].csv : listings[0].jsonLines
            if !body.isEmpty { print(body) }
            for note in notes { printErr(note) }
        }
    }

    /// "runs and freshness", "runs, freshness and jobs".
    static func names(_ names: [String]) -> String {
        names.count <= 2 ? names.joined(separator: " and ") : names.dropLast().joined(separator: ", ") + " and " + names.last!
    }
}
