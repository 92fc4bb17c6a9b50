import Foundation
import FoundationXML
import SVGChart
import Testing

private let hour = 3600.0
private let start = 1_700_000_000.0

private func options(hours: Double = 48) -> ChartOptions {
    ChartOptions(start: start, end: start + hours * hour) { time, _ in "t\(Int(time - start))" }
}

/// Readings once a minute for `hours`, with a smooth pattern.
private func series(_ label: String, hours: Double = 48, every step: Double = 60, base: Double = 50) -> ChartSeries {
    let times = Array(stride(from: start, to: start + hours * hour, by: step))
    return ChartSeries(label: label, times: times, values: times.map { base + 10 * sin(($0 - start) / 5000) })
}

/// Parses the SVG as XML (which also proves it is well-formed). The SVG namespace is dropped so
/// plain XPath names match.
private func parse(_ svg: String) throws -> XMLElement {
    #expect(svg.hasPrefix(#"<svg xmlns="http://www.w3.org/2000/svg" "#))
    let plain = svg.replacingOccurrences(of: #" xmlns="http://www.w3.org/2000/svg""#, with: "")
    return try #require(try XMLDocument(xmlString: plain).rootElement())
}

private func elements(_ root: XMLElement, _ xpath: String) throws -> [XMLElement] {
    try root.nodes(forXPath: xpath).compactMap { $0 as? XMLElement }
}

@Suite struct SVGChartTests {
    @Test func panelsSeriesLegendAndAccessibilityAreThere() throws {
        let panels = [
            ChartPanel(title: "soil_moisture", series: [series("01"), series("02", base: 30)]),
            ChartPanel(title: "light", series: [series("01", base: 600)]),
        ]
        let root = try parse(SVGChart.render(panels, options: options()))
        #expect(root.attribute(forName: "role")?.stringValue == "img")
        #expect(root.attribute(forName: "viewBox")?.stringValue == "0 0 960 362")
        #expect(try elements(root, "title").first?.stringValue == "Readings")
        #expect(try elements(root, "desc").first?.stringValue?.contains("soil_moisture: 2 device(s)") == true)
        let groups = try elements(root, "g[@class='panel']")
        #expect(groups.map { $0.attribute(forName: "data-title")?.stringValue } == ["soil_moisture", "light"])
        #expect(
            try elements(groups[0], "path[@class='series']").map { $0.attribute(forName: "data-label")?.stringValue }
                == ["01", "02"])
        #expect(try elements(groups[0], "g[@class='legend-item']/text").map(\.stringValue) == ["01", "02"])
        // Two devices, two colours from the palette.
        let strokes = try elements(groups[0], "path").compactMap { $0.attribute(forName: "stroke")?.stringValue }
        #expect(strokes == Array(SVGChart.palette.prefix(2)))
        #expect(try elements(groups[0], "text[@class='latest']").count == 2)
    }

    /// Each panel has its own scale, with round tick values covering its data.
    @Test func yTicksAreNiceAndCoverTheData() throws {
        let panels = [
            ChartPanel(
                title: "light", series: [ChartSeries(label: "01", times: [start, start + 60], values: [13, 987])])
        ]
        let root = try parse(SVGChart.render(panels, options: options(hours: 1)))
        let ticks = try elements(root, "//g[@class='y-axis']/text").compactMap { Double($0.stringValue ?? "") }
        #expect(ticks == [0, 250, 500, 750, 1000])
        let timeTicks = try elements(root, "//g[@class='x-axis']/text").map(\.stringValue)
        #expect(timeTicks.count >= 4 && timeTicks.count <= 7)
    }

    @Test func missingDataBreaksTheLine() throws {
        let times = [0.0, 60, 120, 180, 3600, 3660, 3720].map { start + $0 }
        let panels = [
            ChartPanel(
                title: "humidity", series: [ChartSeries(label: "01", times: times, values: [1, 2, 3, 4, 5, 6, 7])])
        ]
        let path = try elements(try parse(SVGChart.render(panels, options: options(hours: 2))), "//path").first
        let data = try #require(path?.attribute(forName: "d")?.stringValue)
        #expect(data.filter { $0 == "M" }.count == 2)
    }

    /// User-supplied text (device ids, titles) is escaped: it stays text and never becomes markup.
    @Test func textIsEscaped() throws {
        let hostile = #"<script>alert("x")</script>&'"#
        var chartOptions = options(hours: 1)
        chartOptions.title = hostile
        let panels = [ChartPanel(title: hostile, series: [ChartSeries(label: hostile, times: [start], values: [1])])]
        let svg = SVGChart.render(panels, options: chartOptions)
        #expect(!svg.contains("<script"))
        let root = try parse(svg)
        #expect(try elements(root, "title").first?.stringValue == hostile)
        #expect(try elements(root, "//g[@class='legend-item']/text").first?.stringValue == hostile)
        #expect(XML.escape(#"a<b>&"c"'d"#) == "a&lt;b&gt;&amp;&quot;c&quot;&#39;d")
        #expect(XML.escape("bell\u{7}") == "bell\u{FFFD}")
    }

    @Test func emptyPanelSaysSo() throws {
        let root = try parse(SVGChart.render([ChartPanel(title: "air_temp", series: [])], options: options()))
        #expect(try elements(root, "//text[@class='empty']").first?.stringValue == "no readings in this range")
    }

    /// Output size follows the width, not the number of points (M4 reduction).
    @Test func sizeIsBoundedByWidthNotPointCount() throws {
        let sensors = ["soil_moisture", "light", "humidity", "soil_temp", "air_temp"]
        let typical = sensors.map { ChartPanel(title: $0, series: [series("01")]) }  // 14,400 points
        let typicalSVG = SVGChart.render(typical, options: options())
        #expect(typicalSVG.utf8.count < 100_000, "\(typicalSVG.utf8.count) bytes")
        let million = [ChartPanel(title: "light", series: [series("01", every: 48 * hour / 1_000_000)])]
        #expect(million[0].series[0].times.count == 1_000_000)
        let millionSVG = SVGChart.render(million, options: options())
        #expect(millionSVG.utf8.count < 100_000, "\(millionSVG.utf8.count) bytes")
        _ = try parse(millionSVG)
    }
}
