#if canImport(Glibc)
import Glibc
#endif

/// Line charts of one or more named series (training curves, `plot_xy`).
///
///     let canvas = try LineChart.render(
///       [.init(name: "fixmatch", xs: steps, ys: acc), .init(name: "rsmatch", xs: steps, ys: acc2)],
///       title: "test accuracy", xLabel: "step", yLabel: "accuracy")
///     try canvas.write(path: "acc.png")
public enum LineChart {
  /// One named curve; NaN or infinite y values leave a gap.
  public struct Series: Sendable {
    /// The legend entry; an empty name on a lone series hides the legend.
    public var name: String
    /// X values, one per point.
    public var xs: [Double]
    /// Y values, one per point; NaN leaves a gap.
    public var ys: [Double]
    /// Colour override; by default the series index picks from `Palette.categorical`.
    public var color: RGB?

    /// A series of points `(xs[i], ys[i])`.
    public init(name: String, xs: [Double], ys: [Double], color: RGB? = nil) {
      self.name = name
      self.xs = xs
      self.ys = ys
      self.color = color
    }
  }

  /// Renders the series on shared axes with grid, ticks, title, axis labels and a legend
  /// (when there is more than one series or the single series is named).
  ///
  /// - Parameters:
  ///   - scale: text and stroke scale (2 suits screens; the canvas size is in pixels).
  ///   - yRange: fixed y limits instead of the data's (e.g. `0...1` for accuracies).
  ///   - logY: a logarithmic y axis with a tick per power of ten (losses); values <= 0 leave gaps.
  /// - Throws: `invalidArgument` when a series has different numbers of xs and ys, or a log
  ///   axis gets a range that is not positive.
  public static func render(
    _ series: [Series], title: String = "", xLabel: String = "", yLabel: String = "",
    width: Int = 800, height: Int = 500, scale: Int = 2, yRange: ClosedRange<Double>? = nil,
    logY: Bool = false
  ) throws -> Canvas {
    for s in series where s.xs.count != s.ys.count {
      throw RuntimeError.invalidArgument(op: "plot", message: "series \"\(s.name)\" has \(s.xs.count) x values and \(s.ys.count) y values")
    }
    if logY, let r = yRange, !(r.lowerBound > 0) {
      throw RuntimeError.invalidArgument(op: "plot", message: "a log y axis needs a positive range, got \(r.lowerBound)...\(r.upperBound)")
    }
    // On a log axis everything downstream works in log10 units.
    let series = logY ? series.map { s in Series(name: s.name, xs: s.xs, ys: s.ys.map { $0 > 0 ? log10($0) : .nan }, color: s.color) } : series
    let finite = series.flatMap { s in zip(s.xs, s.ys).filter { $0.0.isFinite && $0.1.isFinite } }
    let xs = finite.map(\.0), ys = finite.map(\.1)
    let integerX = !xs.isEmpty && xs.allSatisfy { $0 == $0.rounded() }
    let xTicks = Ticks(min: xs.min() ?? .nan, max: xs.max() ?? .nan, target: 6, integer: integerX)
    let yTicks: Ticks
    if logY {
      yTicks = Ticks.decades(minLog: yRange.map { log10($0.lowerBound) } ?? ys.min() ?? .nan, maxLog: yRange.map { log10($0.upperBound) } ?? ys.max() ?? .nan)
    } else {
      yTicks = yRange.map { Ticks(min: $0.lowerBound, max: $0.upperBound, target: 5) }
        ?? Ticks(min: ys.min() ?? .nan, max: ys.max() ?? .nan, target: 5)
    }
    try Canvas.checkScale(scale, op: "plot")
    try Canvas.checkSize(width: width, height: height, minimum: 64, op: "plot")
    var c = Canvas(width: width, height: height)
    let axes = ChartAxes(width: c.width, height: c.height, scale: scale, title: title, xLabel: xLabel, yLabel: yLabel, xTicks: xTicks, yTicks: yTicks, legend: series.map(\.name))
    axes.drawFrame(on: &c)
    let s = Double(max(scale, 1))
    var drawn: [(Double, Double)] = []
    var entries: [(name: String, color: RGB, marker: Marker?)] = []
    axes.clipToPlot(&c)
    for (i, ser) in series.enumerated() {
      let color = ser.color ?? Palette.color(i)
      let pts = zip(ser.xs, ser.ys).map { (x: $0.0.isFinite ? axes.px($0.0) : .nan, y: $0.1.isFinite ? axes.py($0.1) : .nan) }
      c.polyline(pts, color: color, width: 1.5 * s)
      let sparse = pts.count <= 25
      if sparse {
        for p in pts where p.x.isFinite && p.y.isFinite { c.circle(cx: p.x, cy: p.y, radius: 2.5 * s, color: color) }
      }
      drawn += ChartAxes.densify(pts.map { ($0.x, $0.y) }, step: 4 * s)
      entries.append((ser.name, color, sparse ? .circle : nil))
    }
    c.resetClip()
    if finite.isEmpty {
      c.text("no data", x: axes.plotX + axes.plotW / 2, y: axes.plotY + axes.plotH / 2, color: .muted, scale: max(scale, 1), align: .center)
    }
    if series.count > 1 || (series.count == 1 && !series[0].name.isEmpty) {
      axes.drawLegend(on: &c, entries: entries, points: drawn)
    }
    return c
  }
}
