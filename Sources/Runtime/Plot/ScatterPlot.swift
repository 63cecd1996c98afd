/// Scatter plots of 2-D points with a category per point (class, or real vs synthetic).
///
///     let xy = try PCA.project(features)       // [N, 2]
///     try ScatterPlot.render(xs: xy column 0, ys: column 1, categories: provenance,
///                            categoryNames: ["real", "synthetic"]).write(path: "feat.png")
public enum ScatterPlot {
  /// Renders the points; category `k` gets colour `Palette.color(k)` and marker `Marker.of(k)`,
  /// and the legend lists `categoryNames` (those that occur).
  ///
  /// - Throws: `invalidArgument` when xs, ys and categories differ in length or a category is
  ///   not an index into `categoryNames`.
  public static func render(
    xs: [Double], ys: [Double], categories: [Int], categoryNames: [String], title: String = "",
    xLabel: String = "", yLabel: String = "", width: Int = 800, height: Int = 600, scale: Int = 2,
    pointSize: Double = 3.5, alpha: Double = 0.75
  ) throws -> Canvas {
    guard xs.count == ys.count, xs.count == categories.count else {
      throw RuntimeError.invalidArgument(op: "scatter", message: "\(xs.count) x values, \(ys.count) y values and \(categories.count) categories must be equally many")
    }
    if let bad = categories.first(where: { $0 < 0 || $0 >= categoryNames.count }) {
      throw RuntimeError.invalidArgument(op: "scatter", message: "category \(bad) has no name (\(categoryNames.count) names given)")
    }
    let ok = (0..<xs.count).filter { xs[$0].isFinite && ys[$0].isFinite }
    let xTicks = Ticks(min: ok.map { xs[$0] }.min() ?? .nan, max: ok.map { xs[$0] }.max() ?? .nan, target: 6)
    let yTicks = Ticks(min: ok.map { ys[$0] }.min() ?? .nan, max: ok.map { ys[$0] }.max() ?? .nan, target: 5)
    let present = Set(categories)
    let entries = categoryNames.enumerated().filter { present.contains($0.offset) }.map {
      (name: $0.element, color: Palette.color($0.offset), marker: Optional(Marker.of($0.offset)))
    }
    try Canvas.checkScale(scale, op: "scatter")
    try Canvas.checkSize(width: width, height: height, minimum: 64, op: "scatter")
    var c = Canvas(width: width, height: height)
    let axes = ChartAxes(width: c.width, height: c.height, scale: scale, title: title, xLabel: xLabel, yLabel: yLabel, xTicks: xTicks, yTicks: yTicks, legend: entries.map(\.name))
    axes.drawFrame(on: &c)
    let s = Double(max(scale, 1))
    var points: [(Double, Double)] = []
    axes.clipToPlot(&c)
    for i in ok {
      let (x, y) = (axes.px(xs[i]), axes.py(ys[i]))
      c.marker(Marker.of(categories[i]), cx: x, cy: y, size: pointSize * s, color: Palette.color(categories[i]), alpha: alpha)
      points.append((x, y))
    }
    c.resetClip()
    axes.drawLegend(on: &c, entries: entries, points: points)
    return c
  }
}
