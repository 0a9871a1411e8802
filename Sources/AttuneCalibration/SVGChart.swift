/// A small x–y chart drawn as inline SVG: axes with ticks, a dashed diagonal, lines, dots, bars and
/// sized markers. Just enough for reliability plots, ROC curves, trends and distributions in a
/// self-contained page (no scripts, no fonts, nothing fetched).
public struct SVGChart: Sendable {
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var xRange: ClosedRange<Double>
    public var yRange: ClosedRange<Double>
    public var xTicks: [Double]
    public var yTicks: [Double]
    /// Text under an x tick instead of its number (e.g. a week's date).
    public var xTickLabels: [Double: String] = [:]
    public var width = 420.0
    public var height = 320.0
    private let margin = (left: 56.0, right: 16.0, top: 28.0, bottom: 46.0)
    private var marks: [String] = []

    public init(title: String, xLabel: String, yLabel: String, xRange: ClosedRange<Double>, yRange: ClosedRange<Double>, xTicks: [Double], yTicks: [Double]) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.xRange = xRange
        self.yRange = yRange
        self.xTicks = xTicks
        self.yTicks = yTicks
    }

    private func x(_ value: Double) -> Double {
        margin.left + (value - xRange.lowerBound) / (xRange.upperBound - xRange.lowerBound) * (width - margin.left - margin.right)
    }

    private func y(_ value: Double) -> Double {
        height - margin.bottom - (value - yRange.lowerBound) / (yRange.upperBound - yRange.lowerBound) * (height - margin.top - margin.bottom)
    }

    /// A dashed line from corner to corner: where a perfectly calibrated prediction lies.
    public mutating func diagonal(from start: (Double, Double), to end: (Double, Double), label: String) {
        marks.append("<line x1=\"\(f(x(start.0)))\" y1=\"\(f(y(start.1)))\" x2=\"\(f(x(end.0)))\" y2=\"\(f(y(end.1)))\" stroke=\"#999\" stroke-dasharray=\"4 4\"><title>\(escapeHTML(label))</title></line>")
    }

    /// A vertical dashed marker (e.g. a level threshold).
    public mutating func verticalMarker(at value: Double, label: String) {
        marks.append("<line x1=\"\(f(x(value)))\" y1=\"\(f(y(yRange.upperBound)))\" x2=\"\(f(x(value)))\" y2=\"\(f(y(yRange.lowerBound)))\" stroke=\"#c60\" stroke-dasharray=\"2 3\"/>")
        marks.append("<text x=\"\(f(x(value) + 3))\" y=\"\(f(y(yRange.upperBound) + 10))\" font-size=\"10\" fill=\"#c60\">\(escapeHTML(label))</text>")
    }

    /// A polyline through `points`.
    public mutating func line(_ points: [(Double, Double)], colour: String) {
        guard points.count >= 2 else { return }
        let path = points.map { "\(f(x($0.0))),\(f(y($0.1)))" }.joined(separator: " ")
        marks.append("<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\"/>")
    }

    /// Small translucent dots, one per example.
    public mutating func dots(_ points: [(Double, Double)], colour: String) {
        for point in points {
            marks.append("<circle cx=\"\(f(x(point.0)))\" cy=\"\(f(y(point.1)))\" r=\"2.5\" fill=\"\(colour)\" fill-opacity=\"0.35\"/>")
        }
    }

    /// Markers whose area grows with `count`, each with a tooltip.
    public mutating func bins(_ bins: [(x: Double, y: Double, count: Int, tooltip: String)], colour: String) {
        for bin in bins where bin.count > 0 {
            let radius = 3 + 2 * Double(bin.count).squareRoot()
            marks.append("<circle cx=\"\(f(x(bin.x)))\" cy=\"\(f(y(bin.y)))\" r=\"\(f(radius))\" fill=\"\(colour)\" fill-opacity=\"0.7\" stroke=\"#fff\"><title>\(escapeHTML(bin.tooltip))</title></circle>")
        }
    }

    /// Vertical bars from the x axis up to each value, `barWidth` wide in x units, each with a tooltip.
    public mutating func bars(_ bars: [(x: Double, value: Double, tooltip: String)], barWidth: Double, colour: String) {
        for bar in bars {
            let left = x(bar.x - barWidth / 2), right = x(bar.x + barWidth / 2)
            let top = y(bar.value), bottom = y(yRange.lowerBound)
            marks.append("<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(right - left))\" height=\"\(f(bottom - top))\" fill=\"\(colour)\"><title>\(escapeHTML(bar.tooltip))</title></rect>")
        }
    }

    public var svg: String {
        var parts = ["<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(f(width))\" height=\"\(f(height))\" viewBox=\"0 0 \(f(width)) \(f(height))\" role=\"img\" aria-label=\"\(escapeHTML(title))\">"]
        parts.append("<text x=\"\(f(width / 2))\" y=\"16\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\">\(escapeHTML(title))</text>")
        let left = x(xRange.lowerBound), right = x(xRange.upperBound), top = y(yRange.upperBound), bottom = y(yRange.lowerBound)
        parts.append("<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(right - left))\" height=\"\(f(bottom - top))\" fill=\"#fafafa\" stroke=\"#333\"/>")
        for tick in xTicks {
            parts.append("<line x1=\"\(f(x(tick)))\" y1=\"\(f(bottom))\" x2=\"\(f(x(tick)))\" y2=\"\(f(bottom + 4))\" stroke=\"#333\"/>")
            parts.append("<text x=\"\(f(x(tick)))\" y=\"\(f(bottom + 16))\" text-anchor=\"middle\" font-size=\"11\">\(xTickLabels[tick].map(escapeHTML) ?? tickLabel(tick))</text>")
        }
        for tick in yTicks {
            parts.append("<line x1=\"\(f(left - 4))\" y1=\"\(f(y(tick)))\" x2=\"\(f(left))\" y2=\"\(f(y(tick)))\" stroke=\"#333\"/>")
            parts.append("<text x=\"\(f(left - 7))\" y=\"\(f(y(tick) + 4))\" text-anchor=\"end\" font-size=\"11\">\(tickLabel(tick))</text>")
        }
        parts.append("<text x=\"\(f((left + right) / 2))\" y=\"\(f(height - 8))\" text-anchor=\"middle\" font-size=\"12\">\(escapeHTML(xLabel))</text>")
        parts.append("<text transform=\"translate(14 \(f((top + bottom) / 2))) rotate(-90)\" text-anchor=\"middle\" font-size=\"12\">\(escapeHTML(yLabel))</text>")
        parts += marks
        parts.append("</svg>")
        return parts.joined(separator: "\n")
    }

    private func tickLabel(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : CalibrationText.number(value, places: 1)
    }

    /// Coordinates to one decimal.
    private func f(_ value: Double) -> String { CalibrationText.number(value, places: 1) }
}

/// Escapes text for HTML and SVG content and attributes.
public func escapeHTML(_ text: String) -> String {
    var out = ""
    for character in text {
        switch character {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        default: out.append(character)
        }
    }
    return out
}
