/// Histograms of one or more groups of values (e.g. confidences of real vs synthetic samples).
///
///     try Histogram.render(groups: [("real", confReal), ("synthetic", confSyn)], bins: 20,
///                          title: "max probability", xLabel: "confidence").write(path: "conf.png")
public enum Histogram {
  /// Counts of `values` in `bins` equal-width bins over `[lo, hi]`; the last bin includes `hi`
  /// (NumPy's convention). Non-finite values and values outside the range are skipped.
  public static func counts(_ values: [Double], bins: Int, lo: Double, hi: Double) -> [Int] {
    let n = max(bins, 1)
    var out = [Int](repeating: 0, count: n)
    let width = hi - lo
    guard width > 0, width.isFinite else {
      out[0] = values.filter { $0.isFinite && $0 == lo }.count
      return out
    }
    for v in values where v.isFinite && v >= lo && v <= hi {
      let i = min(Int((v - lo) / width * Double(n)), n - 1)
      out[i] += 1
    }
    return out
  }

  /// The bin range used for `values`: their finite min and max, widened by 0.5 each side
  /// when all are equal; `(0, 1)` when none is finite.
  public static func range(_ values: [Double]) -> (lo: Double, hi: Double) {
    let f = values.filter(\.isFinite)
    guard let lo = f.min(), let hi = f.max() else { return (0, 1) }
    return lo == hi ? (lo - 0.5, hi + 0.5) : (lo, hi)
  }

  /// Renders one histogram.
  public static func render(
    _ values: [Double], bins: Int = 30, range: ClosedRange<Double>? = nil, title: String = "", xLabel: String = "",
    yLabel: String = "count", width: Int = 800, height: Int = 500, scale: Int = 2
  ) throws -> Canvas {
    try render(groups: [(name: "", values: values)], bins: bins, range: range, title: title, xLabel: xLabel, yLabel: yLabel, width: width, height: height, scale: scale)
  }

  /// Renders groups over shared bins; several groups overlay translucently with a legend.
  ///
  /// - Parameter range: the binned interval (e.g. `0...1` for probabilities); by default the
  ///   data's range. Values outside it are not counted.
  /// - Throws: `invalidArgument` for `bins` outside 1...10000 or a range that is not finite.
  public static func render(
    groups: [(name: String, values: [Double])], bins: Int = 30, range fixed: ClosedRange<Double>? = nil,
    title: String = "", xLabel: String = "", yLabel: String = "count", width: Int = 800, height: Int = 500, scale: Int = 2
  ) throws -> Canvas {
    guard bins >= 1, bins <= 10_000 else {
      throw RuntimeError.invalidArgument(op: "hist", message: "bins must be in 1...10000, got \(bins)")
    }
    if let r = fixed, !r.lowerBound.isFinite || !r.upperBound.isFinite {
      throw RuntimeError.invalidArgument(op: "hist", message: "the range must be finite, got \(r.lowerBound)...\(r.upperBound)")
    }
    let (lo, hi) = fixed.map { $0.lowerBound < $0.upperBound ? ($0.lowerBound, $0.upperBound) : ($0.lowerBound - 0.5, $0.upperBound + 0.5) }
      ?? range(groups.flatMap(\.values))
    let counts = groups.map { Histogram.counts($0.values, bins: bins, lo: lo, hi: hi) }
    let top = counts.flatMap { $0 }.max() ?? 0
    let xTicks = Ticks(min: lo, max: hi, target: 6)
    let yTicks = Ticks(min: 0, max: Double(max(top, 1)), target: 5, integer: true)
    try Canvas.checkScale(scale, op: "hist")
    try Canvas.checkSize(width: width, height: height, minimum: 64, op: "hist")
    var c = Canvas(width: width, height: height)
    let axes = ChartAxes(width: c.width, height: c.height, scale: scale, title: title, xLabel: xLabel, yLabel: yLabel, xTicks: xTicks, yTicks: yTicks, insetY: false, legend: groups.count > 1 ? groups.map(\.name) : [])
    axes.drawFrame(on: &c)
    let alpha = groups.count > 1 ? 0.55 : 0.85
    let binW = (hi - lo) / Double(bins)
    var points: [(Double, Double)] = []
    for (g, cs) in counts.enumerated() {
      let color = Palette.color(g)
      for (i, n) in cs.enumerated() where n > 0 {
        let x0 = Int(axes.px(lo + Double(i) * binW).rounded()), x1 = Int(axes.px(lo + Double(i + 1) * binW).rounded())
        let y0 = Int(axes.py(Double(n)).rounded()), y1 = Int(axes.py(0).rounded())
        c.fillRect(x: x0, y: y0, width: max(x1 - x0, 1), height: y1 - y0, color: color, alpha: alpha)
        // A darker outline keeps neighbouring bars apart.
        c.strokeRect(x: x0, y: y0, width: max(x1 - x0, 1), height: y1 - y0 + 1, color: color.mixed(with: .black, 0.3), thickness: 1)
        for y in stride(from: y0, to: y1, by: 4) { points.append((Double(x0 + x1) / 2, Double(y))) }
      }
    }
    if groups.count > 1 {
      axes.drawLegend(on: &c, entries: groups.enumerated().map { ($0.element.name, Palette.color($0.offset), Marker.square) }, points: points)
    }
    return c
  }
}
