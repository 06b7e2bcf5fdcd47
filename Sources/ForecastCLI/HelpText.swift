/// Help text as paragraphs: the source wraps long text at 120 columns, and argument-parser keeps
/// those line breaks and wraps again at the terminal's width, which broke sentences mid-line
/// ("checks the⏎data⏎contracts"). Lines of one paragraph are joined with a space; blank lines,
/// list items ("- ") and indented lines (examples, commands) keep their breaks.
enum HelpText {
    static func paragraphs(_ text: String) -> String {
        var out: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            let keepsBreak = line.isEmpty || line.hasPrefix("- ") || line.hasPrefix(" ") || line.hasPrefix("\t")
            if !keepsBreak, let last = out.last, !last.isEmpty, !last.hasPrefix(" ") {
                out[out.count - 1] = last + " " + line
            } else {
                out.append(line)
            }
        }
        return out.joined(separator: "\n")
    }
}
