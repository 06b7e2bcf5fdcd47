import Escaping
import Foundation

/// A small line chart rendered as inline SVG (no scripts, no network): lines, a shaded band
/// (forecast intervals) and dots, over a date or index axis, with min/max labels and a legend.
struct SVGChart {
    struct Line {
        let label: String
        let color: String
        let points: [(x: Double, y: Double)]
        var dashed = false
    }
    struct Band {
        let label: String
        let color: String
        let points: [(x: Double, lower: Double, upper: Double)]
    }

    var title: String
    var width = 560.0, height = 200.0
    var lines: [Line] = []
    var bands: [Band] = []
    /// Formats x values for the axis labels (e.g. a date).
    var xLabel: (Double) -> String = { String(format: "%.0f", $0) }
    var yFormat = "%.1f"
    /// A vertical marker (e.g. the cutoff), with its label.
    var marker: (x: Double, label: String)?

    func render() -> String {
        let left = 44.0, right = 10.0, top = 24.0, bottom = 34.0
        let xs = lines.flatMap { $0.points.map(\.x) } + bands.flatMap { $0.points.map(\.x) }
        let ys = lines.flatMap { $0.points.map(\.y) } + bands.flatMap { $0.points.flatMap { [$0.lower, $0.upper] } }
        let finite = ys.filter(\.isFinite)
        guard let x0 = xs.min(), let x1 = xs.max(), let yMax = finite.max() else {
            return
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"40\"><text x=\"4\" y=\"24\" font-size=\"12\">\(Escape.svg(title)): no data</text></svg>"
        }
        let yMin = min(0, finite.min() ?? 0)
        let spanX = max(x1 - x0, 1e-9), spanY = max(yMax - yMin, 1e-9)
        func px(_ x: Double) -> Double { left + (x - x0) / spanX * (width - left - right) }
        func py(_ y: Double) -> Double { top + (1 - (y - yMin) / spanY) * (height - top - bottom) }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        var out =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\" aria-label=\"\(Escape.svg(title))\">"
        out += "<rect x=\"0\" y=\"0\" width=\"\(Int(width))\" height=\"\(Int(height))\" fill=\"#ffffff\"/>"
        out += "<text x=\"\(f(left))\" y=\"14\" font-size=\"12\" font-weight=\"bold\">\(Escape.svg(title))</text>"
        // Axes and labels.
        out += "<line x1=\"\(f(left))\" y1=\"\(f(py(yMin)))\" x2=\"\(f(width - right))\" y2=\"\(f(py(yMin)))\" stroke=\"#999\"/>"
        out += "<line x1=\"\(f(left))\" y1=\"\(f(top))\" x2=\"\(f(left))\" y2=\"\(f(py(yMin)))\" stroke=\"#999\"/>"
        out += "<text x=\"\(f(left - 4))\" y=\"\(f(py(yMax) + 4))\" font-size=\"10\" text-anchor=\"end\">\(String(format: yFormat, yMax))</text>"
        out += "<text x=\"\(f(left - 4))\" y=\"\(f(py(yMin)))\" font-size=\"10\" text-anchor=\"end\">\(String(format: yFormat, yMin))</text>"
        out += "<text x=\"\(f(left))\" y=\"\(f(height - bottom + 14))\" font-size=\"10\">\(Escape.svg(xLabel(x0)))</text>"
        out += "<text x=\"\(f(width - right))\" y=\"\(f(height - bottom + 14))\" font-size=\"10\" text-anchor=\"end\">\(Escape.svg(xLabel(x1)))</text>"
        if let marker {
            out += "<line x1=\"\(f(px(marker.x)))\" y1=\"\(f(top))\" x2=\"\(f(px(marker.x)))\" y2=\"\(f(py(yMin)))\" stroke=\"#666\" stroke-dasharray=\"3,3\"/>"
            out += "<text x=\"\(f(px(marker.x) + 3))\" y=\"\(f(top + 10))\" font-size=\"10\" fill=\"#666\">\(Escape.svg(marker.label))</text>"
        }
        for band in bands where !band.points.isEmpty {
            let upper = band.points.map { "\(f(px($0.x))),\(f(py($0.upper)))" }
            let lower = band.points.reversed().map { "\(f(px($0.x))),\(f(py($0.lower)))" }
            out += "<polygon points=\"\((upper + lower).joined(separator: " "))\" fill=\"\(Escape.svg(band.color))\" fill-opacity=\"0.25\" stroke=\"none\"/>"
        }
        for line in lines where !line.points.isEmpty {
            let d = line.points.filter { $0.y.isFinite }.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " ")
            out +=
                "<polyline points=\"\(d)\" fill=\"none\" stroke=\"\(Escape.svg(line.color))\" stroke-width=\"1.6\"\(line.dashed ? " stroke-dasharray=\"5,3\"" : "")/>"
        }
        // Legend.
        var lx = left
        for (label, color) in lines.map({ ($0.label, $0.color) }) + bands.map({ ($0.label, $0.color) }) {
            out += "<rect x=\"\(f(lx))\" y=\"\(f(height - 12))\" width=\"10\" height=\"8\" fill=\"\(Escape.svg(color))\"/>"
            out += "<text x=\"\(f(lx + 14))\" y=\"\(f(height - 4))\" font-size=\"10\">\(Escape.svg(label))</text>"
            lx += 22 + Double(label.count) * 6
        }
        return out + "</svg>"
    }
}

enum HTML {
    /// A table from a header and rows (cells escaped); `classes` per row, e.g. "critical".
    static func table(_ header: [String], _ rows: [[String]], classes: [String]? = nil) -> String {
        var out = "<table><thead><tr>" + header.map { "<th>\(Escape.htmlText($0))</th>" }.joined() + "</tr></thead><tbody>"
        for (i, row) in rows.enumerated() {
            let cls = classes.map { " class=\"\(Escape.htmlAttribute($0[i]))\"" } ?? ""
            out += "<tr\(cls)>" + row.map { "<td>\(Escape.htmlText($0))</td>" }.joined() + "</tr>"
        }
        if rows.isEmpty { out += "<tr><td colspan=\"\(header.count)\">none</td></tr>" }
        return out + "</tbody></table>"
    }
}
