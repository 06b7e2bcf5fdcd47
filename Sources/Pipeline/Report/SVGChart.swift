import Escaping
import Foundation

/// A small line chart rendered as inline SVG (no scripts, no network): lines, a shaded band
/// (forecast intervals), over a date or index axis, with gridlines at round values, labelled ticks
/// on both axes, the unit of the values, vertical markers (the cutoff, a model version change) and
/// a legend whose swatches look like what they stand for (a band is a shaded box, a dashed line a
/// dashed stroke). Dashed lines are drawn last, so a baseline under the served line stays visible.
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
    /// What the values are counted in, shown above the y axis (e.g. "units", "WAPE %").
    var yUnit: String?
    /// Vertical markers (the cutoff, where the served model version changed), with their labels.
    var markers: [(x: Double, label: String)] = []
    /// A single marker (the cutoff).
    var marker: (x: Double, label: String)? {
        get { markers.first }
        set { markers = newValue.map { [$0] } ?? [] }
    }

    /// Round tick values covering `lo...hi` (about `count` of them, steps of 1, 2 or 5 × 10^k).
    static func ticks(_ lo: Double, _ hi: Double, count: Int = 5) -> [Double] {
        guard hi > lo, lo.isFinite, hi.isFinite else { return [lo] }
        let raw = (hi - lo) / Double(max(1, count))
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        var out: [Double] = []
        var v = (lo / step).rounded(.up) * step
        while v <= hi + step * 1e-9 {
            out.append(abs(v) < step * 1e-9 ? 0 : v)
            v += step
        }
        return out
    }

    /// The x axis's ticks: whole, round values (x is a day or a horizon), as many as their labels
    /// fit side by side (a label is about 6 px a character), at least the two ends.
    func xTicks(_ x0: Double, _ x1: Double) -> [Double] {
        let labelWidth = Double(max(xLabel(x0).count, xLabel(x1).count)) * 6 + 14
        let fit = max(2, Int((width - 54) / labelWidth))
        let round = Self.ticks(x0, x1, count: min(fit, 6)).filter { $0 == $0.rounded() }
        return round.count >= 2 ? round : (x1 > x0 ? [x0, x1] : [x0])
    }

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
        // Gridlines at round values with their labels, then the axes.
        for y in Self.ticks(yMin, yMax) {
            out += "<line x1=\"\(f(left))\" y1=\"\(f(py(y)))\" x2=\"\(f(width - right))\" y2=\"\(f(py(y)))\" stroke=\"#e6e6e6\"/>"
            out += "<text x=\"\(f(left - 4))\" y=\"\(f(py(y) + 3))\" font-size=\"10\" text-anchor=\"end\">\(String(format: yFormat, y))</text>"
        }
        if let yUnit {
            out += "<text x=\"\(f(left - 4))\" y=\"\(f(top - 4))\" font-size=\"9\" text-anchor=\"end\" fill=\"#555\">\(Escape.svg(yUnit))</text>"
        }
        out += "<line x1=\"\(f(left))\" y1=\"\(f(py(yMin)))\" x2=\"\(f(width - right))\" y2=\"\(f(py(yMin)))\" stroke=\"#999\"/>"
        out += "<line x1=\"\(f(left))\" y1=\"\(f(top))\" x2=\"\(f(left))\" y2=\"\(f(py(yMin)))\" stroke=\"#999\"/>"
        for x in xTicks(x0, x1) {
            // Labels near an edge are anchored to it, so that none is cut off.
            let anchor = px(x) - left < 24 ? "start" : width - right - px(x) < 24 ? "end" : "middle"
            out += "<line x1=\"\(f(px(x)))\" y1=\"\(f(py(yMin)))\" x2=\"\(f(px(x)))\" y2=\"\(f(py(yMin) + 3))\" stroke=\"#999\"/>"
            out +=
                "<text x=\"\(f(px(x)))\" y=\"\(f(height - bottom + 14))\" font-size=\"10\" text-anchor=\"\(anchor)\">\(Escape.svg(xLabel(x)))</text>"
        }
        for (i, marker) in markers.enumerated() {
            out += "<line x1=\"\(f(px(marker.x)))\" y1=\"\(f(top))\" x2=\"\(f(px(marker.x)))\" y2=\"\(f(py(yMin)))\" stroke=\"#666\" stroke-dasharray=\"3,3\"/>"
            out +=
                "<text x=\"\(f(px(marker.x) + 3))\" y=\"\(f(top + 10 + Double(i % 2) * 11))\" font-size=\"10\" fill=\"#666\">\(Escape.svg(marker.label))</text>"
        }
        for band in bands where !band.points.isEmpty {
            let upper = band.points.map { "\(f(px($0.x))),\(f(py($0.upper)))" }
            let lower = band.points.reversed().map { "\(f(px($0.x))),\(f(py($0.lower)))" }
            out += "<polygon points=\"\((upper + lower).joined(separator: " "))\" fill=\"\(Escape.svg(band.color))\" fill-opacity=\"0.25\" stroke=\"none\"/>"
        }
        for line in lines.filter({ !$0.dashed }) + lines.filter(\.dashed) where !line.points.isEmpty {
            let d = line.points.filter { $0.y.isFinite }.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " ")
            out +=
                "<polyline points=\"\(d)\" fill=\"none\" stroke=\"\(Escape.svg(line.color))\" stroke-width=\"1.6\"\(line.dashed ? " stroke-dasharray=\"5,3\"" : "")/>"
        }
        // Legend: a line's swatch is a stroke (dashed when the line is), a band's a shaded box.
        var lx = left
        for line in lines {
            out +=
                "<line x1=\"\(f(lx))\" y1=\"\(f(height - 8))\" x2=\"\(f(lx + 14))\" y2=\"\(f(height - 8))\" stroke=\"\(Escape.svg(line.color))\" stroke-width=\"2\"\(line.dashed ? " stroke-dasharray=\"4,2\"" : "")/>"
            out += "<text x=\"\(f(lx + 18))\" y=\"\(f(height - 4))\" font-size=\"10\">\(Escape.svg(line.label))</text>"
            lx += 26 + Double(line.label.count) * 5.5
        }
        for band in bands {
            out +=
                "<rect x=\"\(f(lx))\" y=\"\(f(height - 12))\" width=\"14\" height=\"8\" fill=\"\(Escape.svg(band.color))\" fill-opacity=\"0.25\" stroke=\"\(Escape.svg(band.color))\" stroke-opacity=\"0.5\"/>"
            out += "<text x=\"\(f(lx + 18))\" y=\"\(f(height - 4))\" font-size=\"10\">\(Escape.svg(band.label))</text>"
            lx += 26 + Double(band.label.count) * 5.5
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
