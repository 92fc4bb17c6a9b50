/// Draws panels as one SVG: a small chart per measurement sharing the time axis, a line per device
/// with a legend, nice ticks, gaps where readings are missing, and the latest value labelled.
/// Pure: no I/O, the same input always gives the same bytes.
public enum SVGChart {
    /// Okabe–Ito colours, distinguishable with the common colour-vision deficiencies.
    public static let palette = [
        "#E69F00", "#0072B2", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000",
    ]

    static let left = 56.0
    static let right = 64.0
    static let panelTop = 30.0
    static let panelBottom = 14.0
    static let axisHeight = 22.0

    public static func render(_ panels: [ChartPanel], options: ChartOptions) -> String {
        let width = Double(options.width)
        let height = Double(panels.count * options.panelHeight) + axisHeight
        let plotWidth = width - left - right
        let (step, ticks) = Ticks.time(start: options.start, end: options.end)
        var svg = SVGText()
        svg.raw(
            ##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \##(options.width) \##(compact(height))" "##
                + ##"role="img" aria-labelledby="chart-title chart-desc" font-family="system-ui,sans-serif" font-size="12">"##
        )
        svg.raw(##"<title id="chart-title">"##)
        svg.text(options.title)
        svg.raw(##"</title><desc id="chart-desc">"##)
        svg.text(description(panels, options: options, step: step))
        svg.raw("</desc>")
        for (index, panel) in panels.enumerated() {
            let top = Double(index * options.panelHeight)
            drawPanel(panel, into: &svg, top: top, options: options, ticks: ticks, plotWidth: plotWidth)
        }
        svg.raw(##"<g class="x-axis" fill="#555">"##)
        for tick in ticks {
            let x = left + (tick - options.start) / (options.end - options.start) * plotWidth
            svg.raw(##"<text x="\##(compact(x))" y="\##(compact(height - 6))" text-anchor="middle">"##)
            svg.text(options.timeLabel(tick, step))
            svg.raw("</text>")
        }
        svg.raw("</g></svg>")
        return svg.output
    }

    private static func drawPanel(
        _ panel: ChartPanel, into svg: inout SVGText, top: Double, options: ChartOptions, ticks: [Double],
        plotWidth: Double
    ) {
        let plotTop = top + panelTop
        let plotHeight = Double(options.panelHeight) - panelTop - panelBottom
        svg.raw(##"<g class="panel" data-title=""##)
        svg.text(panel.title)
        svg.raw(##""><text class="panel-title" x="\##(compact(left))" y="\##(compact(top + 16))" font-weight="600">"##)
        svg.text(panel.title)
        svg.raw("</text>")
        // Legend, after the title.
        var legendX = left + 8 + Double(panel.title.count) * 7.5
        for (number, series) in panel.series.enumerated() {
            let colour = palette[number % palette.count]
            svg.raw(
                ##"<g class="legend-item"><rect x="\##(compact(legendX))" y="\##(compact(top + 7))" width="10" height="10" fill="\##(colour)"/>"##
                    + ##"<text x="\##(compact(legendX + 14))" y="\##(compact(top + 16))" fill="#333">"##)
            svg.text(series.label)
            svg.raw("</text></g>")
            legendX += 24 + Double(series.label.count) * 7
        }
        let values = panel.series.flatMap(\.values).filter(\.isFinite)
        guard let low = values.min(), let high = values.max() else {
            svg.raw(
                ##"<text class="empty" x="\##(compact(left + plotWidth / 2))" y="\##(compact(plotTop + plotHeight / 2))" "##
                    + ##"text-anchor="middle" fill="#777">no readings in this range</text></g>"##)
            return
        }
        let scale = Ticks.nice(lower: low, upper: high)
        func y(_ value: Double) -> Double {
            plotTop + (1 - (value - scale.lower) / (scale.upper - scale.lower)) * plotHeight
        }
        func x(_ time: Double) -> Double { left + (time - options.start) / (options.end - options.start) * plotWidth }
        svg.raw(##"<g class="y-axis" fill="#555" stroke="#e3e3e3">"##)
        var tick = scale.lower
        while tick <= scale.upper + scale.step / 2 {
            let position = compact(y(tick))
            svg.raw(
                ##"<line x1="\##(compact(left))" x2="\##(compact(left + plotWidth))" y1="\##(position)" y2="\##(position)"/>"##
                    + ##"<text x="\##(compact(left - 6))" y="\##(compact(y(tick) + 4))" text-anchor="end" stroke="none">\##(label(tick))</text>"##
            )
            tick += scale.step
        }
        svg.raw("</g>")
        svg.raw(##"<g class="x-grid" stroke="#efefef">"##)
        for tick in ticks {
            let position = compact(x(tick))
            svg.raw(
                ##"<line x1="\##(position)" x2="\##(position)" y1="\##(compact(plotTop))" y2="\##(compact(plotTop + plotHeight))"/>"##
            )
        }
        svg.raw("</g>")
        for (number, series) in panel.series.enumerated() {
            let colour = palette[number % palette.count]
            let points = M4.reduce(series, start: options.start, end: options.end, columns: Int(plotWidth))
                .filter { $0.1.isFinite && $0.0 >= options.start && $0.0 <= options.end }
            guard let latest = points.last else { continue }
            let gap = options.maximumGap ?? usualInterval(points) * 3
            svg.raw(##"<path class="series" data-label=""##)
            svg.text(series.label)
            svg.raw(##"" fill="none" stroke="\##(colour)" stroke-width="1.5" stroke-linejoin="round" d=""##)
            svg.raw(pathData(points, gap: gap, x: x, y: y))
            svg.raw(##""/>"##)
            svg.raw(
                ##"<text class="latest" x="\##(compact(x(latest.0) + 4))" y="\##(compact(y(latest.1) + 4))" fill="\##(colour)">\##(label(latest.1))</text>"##
            )
        }
        svg.raw("</g>")
    }

    /// Absolute move-to at each segment start, then relative line-tos in whole pixels, the `l`
    /// written once per segment; repeated pixels are dropped. A lone reading shows as a short dash.
    static func pathData(_ points: [(Double, Double)], gap: Double, x: (Double) -> Double, y: (Double) -> Double)
        -> String
    {
        var segments: [[(x: Int, y: Int)]] = []
        var lastTime: Double?
        for (time, value) in points {
            let point = (x: Int(x(time).rounded()), y: Int(y(value).rounded()))
            if let lastTime, time - lastTime <= gap, let last = segments[segments.count - 1].last {
                if last != point { segments[segments.count - 1].append(point) }
            } else {
                segments.append([point])
            }
            lastTime = time
        }
        var data = ""
        data.reserveCapacity(points.count * 5)
        for segment in segments {
            data += "M\(segment[0].x) \(segment[0].y)l"
            guard segment.count > 1 else {
                data += "1 0"
                continue
            }
            for (index, (from, to)) in zip(segment, segment.dropFirst()).enumerated() {
                let dx = to.x - from.x
                let dy = to.y - from.y
                if index > 0 && dx >= 0 { data += " " }
                data += String(dx)
                if dy >= 0 { data += " " }
                data += String(dy)
            }
        }
        return data
    }

    /// The median spacing between readings, so a device reporting every minute gets a 3-minute gap limit.
    static func usualInterval(_ points: [(Double, Double)]) -> Double {
        guard points.count > 2 else { return .infinity }
        var spacings = zip(points.dropFirst(), points).map { $0.0 - $1.0 }
        spacings.sort()
        return max(spacings[spacings.count / 2], 1)
    }

    private static func description(_ panels: [ChartPanel], options: ChartOptions, step: Double) -> String {
        let parts = panels.map { panel in
            let count = panel.series.reduce(0) { $0 + $1.values.count }
            return "\(panel.title): \(panel.series.count) device(s), \(count) reading(s)"
        }
        return "From \(options.timeLabel(options.start, step)) to \(options.timeLabel(options.end, step)). "
            + parts.joined(separator: "; ")
    }
}
