/// Estimates with their confidence intervals, one row each (a forest plot): the estimate as
/// a dot, the interval as a bar with end caps, and vertical reference lines (0, ±δ), so a
/// set of paired differences reads at a glance: which intervals clear zero, which lie
/// inside the region of no practical difference.
///
///     try IntervalChart.render(rows: [.init(label: "rsmatch - fixmatch", estimate: 0.3, low: -0.2, high: 0.8)],
///                              marks: [0, -1, 1]).write(path: "differences.png")
public enum IntervalChart {
  /// One row: a label, the estimate and its interval (nil when there is none, e.g. one seed).
  public struct Row: Sendable {
    public let label: String
    public let estimate: Double
    public let low: Double?
    public let high: Double?

    public init(label: String, estimate: Double, low: Double?, high: Double?) {
      self.label = label; self.estimate = estimate; self.low = low; self.high = high
    }
  }

  /// The most rows one chart takes.
  public static let rowLimit = 200

  /// Renders the rows top to bottom in the order given. `width` defaults to 800 pixels, more
  /// when the labels are long (the intervals keep about 500); `height` to what the rows need.
  ///
  /// - Throws: `invalidArgument` for no rows, more than `rowLimit`, a non-finite estimate or
  ///   an interval that does not contain its estimate.
  public static func render(
    rows: [Row], marks: [Double] = [0], title: String = "", xLabel: String = "", width: Int? = nil,
    height: Int? = nil, scale: Int = 2
  ) throws -> Canvas {
    guard !rows.isEmpty, rows.count <= rowLimit else {
      throw RuntimeError.invalidArgument(op: "ci_plot", message: "takes 1 to \(rowLimit) intervals, got \(rows.count)")
    }
    for r in rows {
      guard r.estimate.isFinite else {
        throw RuntimeError.invalidArgument(op: "ci_plot", message: "\(r.label): the estimate is not a finite number")
      }
      if let lo = r.low, let hi = r.high, !(lo <= r.estimate && r.estimate <= hi) {
        throw RuntimeError.invalidArgument(op: "ci_plot", message: "\(r.label): the interval [\(lo), \(hi)] does not contain the estimate \(r.estimate)")
      }
    }
    let s = max(scale, 1)
    try Canvas.checkScale(scale, op: "ci_plot")
    let h = height ?? (70 + 18 * rows.count) * s
    let labelWidth = rows.map { BitmapFont.standard.width(of: $0.label, scale: s) }.max() ?? 0
    let w = width ?? max(800, labelWidth + 260 * s)
    try Canvas.checkSize(width: w, height: h, minimum: 64, op: "ci_plot")
    let xs = rows.flatMap { [$0.estimate] + [$0.low, $0.high].compactMap { $0 } } + marks.filter(\.isFinite)
    let xTicks = Ticks(min: xs.min() ?? 0, max: xs.max() ?? 1, target: 6)
    // Row i sits at y = n - 1 - i, so the first row is at the top.
    let yTicks = Ticks(categories: rows.reversed().map(\.label))
    var c = Canvas(width: w, height: h)
    let axes = ChartAxes(width: c.width, height: c.height, scale: s, title: title, xLabel: xLabel, yLabel: "",
                         xTicks: xTicks, yTicks: yTicks, insetY: false)
    axes.drawFrame(on: &c)
    axes.clipToPlot(&c)
    for m in marks where m.isFinite {
      let x = axes.px(m)
      c.line(x0: x, y0: Double(axes.plotY), x1: x, y1: Double(axes.plotY + axes.plotH), color: m == 0 ? .muted : RGB(hex: 0x999999),
             width: Double(s), alpha: 0.9)
    }
    let color = Palette.color(0), cap = Double(4 * s)
    for (i, r) in rows.enumerated() {
      let y = axes.py(Double(rows.count - 1 - i))
      if let lo = r.low, let hi = r.high {
        let (x0, x1) = (axes.px(lo), axes.px(hi))
        c.line(x0: x0, y0: y, x1: x1, y1: y, color: color, width: 2 * Double(s))
        c.line(x0: x0, y0: y - cap, x1: x0, y1: y + cap, color: color, width: Double(s))
        c.line(x0: x1, y0: y - cap, x1: x1, y1: y + cap, color: color, width: Double(s))
      }
      c.circle(cx: axes.px(r.estimate), cy: y, radius: 4 * Double(s), color: color)
    }
    c.resetClip()
    return c
  }
}
