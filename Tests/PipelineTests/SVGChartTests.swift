import Postgres
import Testing

@testable import Pipeline

/// The report's charts (issue 31, item 7): round gridlines with labels, the unit, swatches that
/// look like what they stand for, the baseline drawn over the served line, several markers.
struct SVGChartTests {
    @Test func ticksAreRoundAndCoverTheRange() {
        #expect(SVGChart.ticks(0, 87) == [0, 20, 40, 60, 80])
        #expect(SVGChart.ticks(0, 1.3) == [0, 0.5, 1])
        #expect(SVGChart.ticks(-12, 30) == [-10, 0, 10, 20, 30])
        #expect(SVGChart.ticks(5, 5) == [5])
    }

    @Test func aChartHasGridlinesUnitsSwatchesAndMarkers() {
        var chart = SVGChart(title: "<b>item</b>")
        chart.yUnit = "units"
        chart.bands = [SVGChart.Band(label: "interval", color: "#1f77b4", points: [(0, 1, 9), (10, 2, 11)])]
        chart.lines = [
            SVGChart.Line(label: "seasonal naive", color: "#7f7f7f", points: [(0, 4), (10, 5)], dashed: true),
            SVGChart.Line(label: "served", color: "#d62728", points: [(0, 4), (10, 6)]),
        ]
        chart.markers = [(5, "cutoff"), (2, "→ 1.1.0")]
        let svg = chart.render()
        #expect(svg.contains("&lt;b&gt;item&lt;/b&gt;") && !svg.contains("<b>"))
        #expect(svg.components(separatedBy: "stroke=\"#e6e6e6\"").count - 1 == 3, "gridlines at 0, 5, 10")
        #expect(svg.contains(">units</text>") && svg.contains(">→ 1.1.0</text>") && svg.contains(">cutoff</text>"))
        // The dashed baseline is drawn after (over) the solid served line.
        let served = svg.range(of: "<polyline points=\"44.0")!.lowerBound
        let dashed = svg.range(of: "stroke-dasharray=\"5,3\"")!.lowerBound
        #expect(served < dashed)
        // The band's swatch is a shaded box, the lines' are strokes.
        #expect(svg.contains("width=\"14\" height=\"8\" fill=\"#1f77b4\" fill-opacity=\"0.25\""))
        #expect(svg.contains("stroke=\"#7f7f7f\" stroke-width=\"2\" stroke-dasharray=\"4,2\"/>"))
    }

    /// The x axis has whole, round ticks whose labels fit side by side: horizons 1...7 are not
    /// labelled 3 where 2.5 is, and dates on a narrow chart do not run into each other.
    @Test func xTicksAreWholeRoundAndFitTheirLabels() {
        var horizons = SVGChart(title: "h", width: 380, height: 170)
        #expect(horizons.xTicks(1, 7) == [2, 4, 6] || horizons.xTicks(1, 7) == [1, 2, 3, 4, 5, 6, 7])
        horizons.width = 200
        #expect(horizons.xTicks(1, 3).allSatisfy { $0 == $0.rounded() })
        var dates = SVGChart(title: "d", width: 380, height: 170)
        dates.xLabel = { PostgresDate(unixDays: Int($0)).description }
        let ticks = dates.xTicks(20_400, 20_428)
        #expect(ticks.count >= 2 && ticks.count <= 4 && ticks.allSatisfy { $0 == $0.rounded() }, "\(ticks)")
        #expect(dates.xTicks(20_400, 20_400) == [20_400])
    }
}
