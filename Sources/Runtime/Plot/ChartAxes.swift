/// The frame shared by the x-y charts: margins sized to the labels, title, axis labels,
/// grid, ticks and the data-to-pixel mapping.
///
/// Layout works outward from the text: the left margin holds the widest y tick label and the
/// rotated y label, the bottom margin the x tick labels and x label, so nothing is clipped
/// whatever the numbers are. X tick labels that would collide are thinned to every k-th.
struct ChartAxes {
  let font = BitmapFont.standard
  /// Text scale of tick labels, legend and axis labels; the title uses one more.
  let s: Int
  let title: String, xLabel: String, yLabel: String
  let xTicks: Ticks, yTicks: Ticks
  /// The plot area in pixels: `[plotX, plotX + plotW) x [plotY, plotY + plotH)`.
  let plotX: Int, plotY: Int, plotW: Int, plotH: Int

  /// Whether the data range is inset from the frame (bars standing on zero want no y inset).
  let insetX: Bool, insetY: Bool

  /// Whether the legend sits right of the plot area (many entries) rather than inside it.
  let legendOutside: Bool
  /// Legends with more entries than this go outside, where they cover no data.
  static let insideLegendLimit = 5

  init(width: Int, height: Int, scale: Int, title: String, xLabel: String, yLabel: String, xTicks: Ticks, yTicks: Ticks, insetX: Bool = true, insetY: Bool = true, legend: [String] = []) {
    s = max(scale, 1)
    legendOutside = legend.count > ChartAxes.insideLegendLimit
    self.insetX = insetX
    self.insetY = insetY
    self.title = title
    self.xLabel = xLabel
    self.yLabel = yLabel
    self.xTicks = xTicks
    self.yTicks = yTicks
    let s = self.s, font = BitmapFont.standard
    let pad = 8 * s, gap = 4 * s, tick = 3 * s
    let textH = font.height(scale: s)
    let yTickW = yTicks.labels.map { font.width(of: $0, scale: s) }.max() ?? 0
    let left = pad + (yLabel.isEmpty ? 0 : textH + gap) + yTickW + gap + tick
    let top = pad + (title.isEmpty ? textH / 2 : font.height(scale: s + 1) + 2 * gap)
    let bottom = pad + tick + gap + textH + (xLabel.isEmpty ? 0 : gap + textH)
    let lastX = xTicks.labels.last.map { font.width(of: $0, scale: s) / 2 } ?? 0
    var right = max(pad + gap, lastX + gap)
    if legend.count > ChartAxes.insideLegendLimit {
      right = max(right, ChartAxes.legendWidth(legend, scale: s, maxText: width / 3) + 2 * gap + pad)
    }
    plotX = left
    plotY = top
    plotW = max(width - left - right, 10)
    plotH = max(height - top - bottom, 10)
  }

  /// Fraction of the tick span left empty at each end, so data on the outer ticks does not
  /// sit on the frame.
  static let margin = 0.03

  /// Pixel x of data x.
  func px(_ x: Double) -> Double {
    let span = xTicks.hi - xTicks.lo, m = insetX ? ChartAxes.margin : 0
    return Double(plotX) + (span > 0 ? (m + (x - xTicks.lo) / span * (1 - 2 * m)) : 0.5) * Double(plotW)
  }

  /// Pixel y of data y (up is larger).
  func py(_ y: Double) -> Double {
    let span = yTicks.hi - yTicks.lo, m = insetY ? ChartAxes.margin : 0
    return Double(plotY + plotH) - (span > 0 ? (m + (y - yTicks.lo) / span * (1 - 2 * m)) : 0.5) * Double(plotH)
  }

  /// Restricts drawing to the plot area (call `c.resetClip()` before drawing labels).
  func clipToPlot(_ c: inout Canvas) {
    c.setClip(x: plotX + 1, y: plotY, width: plotW, height: plotH)
  }

  /// Draws grid, frame, ticks, tick labels, axis labels and title (everything but the data).
  func drawFrame(on c: inout Canvas) {
    let tick = 3 * s, gap = 4 * s, textH = font.height(scale: s)
    // Grid first, under the data.
    for v in yTicks.values {
      let y = Int(py(v).rounded(.down))
      c.fillRect(x: plotX, y: y, width: plotW, height: max(s / 2, 1), color: .grid)
    }
    for v in xTicks.values {
      let x = Int(px(v).rounded(.down))
      c.fillRect(x: x, y: plotY, width: max(s / 2, 1), height: plotH, color: .grid)
    }
    // Y tick labels, vertically centred on the tick (the glyph body is rows 0..6).
    for (v, label) in zip(yTicks.values, yTicks.labels) {
      let y = Int(py(v).rounded(.down))
      c.fillRect(x: plotX - tick, y: y, width: tick, height: max(s / 2, 1), color: .ink)
      c.text(label, x: plotX - tick - gap, y: y - (font.ascent * s) / 2, color: .muted, scale: s, align: .right)
    }
    // X tick labels, thinned when neighbours would touch.
    let widest = xTicks.labels.map { font.width(of: $0, scale: s) }.max() ?? 0
    let spacing = xTicks.values.count > 1 ? abs(px(xTicks.values[1]) - px(xTicks.values[0])) : Double(plotW)
    let every = max(1, Int((Double(widest + 3 * gap) / max(spacing, 1)).rounded(.up)))
    for (i, (v, label)) in zip(xTicks.values, xTicks.labels).enumerated() {
      let x = Int(px(v).rounded(.down))
      c.fillRect(x: x, y: plotY + plotH, width: max(s / 2, 1), height: tick, color: .ink)
      if i % every == 0 {
        c.text(label, x: x, y: plotY + plotH + tick + gap, color: .muted, scale: s, align: .center)
      }
    }
    // Left and bottom spines.
    c.fillRect(x: plotX, y: plotY, width: max(s / 2, 1), height: plotH + 1, color: .ink)
    c.fillRect(x: plotX, y: plotY + plotH, width: plotW, height: max(s / 2, 1), color: .ink)
    if !xLabel.isEmpty {
      c.text(xLabel, x: plotX + plotW / 2, y: plotY + plotH + tick + gap + textH + gap, color: .ink, scale: s, align: .center)
    }
    if !yLabel.isEmpty {
      c.verticalText(yLabel, x: 8 * s, cy: plotY + plotH / 2, color: .ink, scale: s)
    }
    if !title.isEmpty {
      let t = font.truncated(title, toWidth: c.width - 16 * s, scale: s + 1)
      c.text(t, x: c.width / 2, y: 8 * s, color: .ink, scale: s + 1, align: .center)
    }
  }

  /// The width of a legend box for `names` at text scale `s`, names cut at `maxText` pixels.
  static func legendWidth(_ names: [String], scale s: Int, maxText: Int) -> Int {
    let font = BitmapFont.standard, gap = 4 * s, swatch = 14 * s
    let textW = names.map { font.width(of: font.truncated($0, toWidth: max(maxText, 6 * s), scale: s), scale: s) }.max() ?? 0
    return gap + swatch + gap + textW + 2 * gap
  }

  /// Draws a legend box of (name, colour, marker?) entries: right of the plot area when the
  /// axes reserved room for it, otherwise in the plot-area corner that covers the fewest of
  /// `points` (pixel positions of the data), as matplotlib's "best".
  func drawLegend(on c: inout Canvas, entries: [(name: String, color: RGB, marker: Marker?)], points: [(Double, Double)]) {
    guard !entries.isEmpty else { return }
    let gap = 4 * s, swatch = 14 * s, rowH = font.lineHeight * s
    let maxText = legendOutside ? c.width / 3 : plotW - swatch - 5 * gap
    let names = entries.map { font.truncated($0.name, toWidth: max(maxText, 6 * s), scale: s) }
    let boxW = legendOutside ? ChartAxes.legendWidth(names, scale: s, maxText: maxText) : min(ChartAxes.legendWidth(names, scale: s, maxText: maxText), plotW)
    let boxH = min(gap + rowH * entries.count + gap / 2, legendOutside ? c.height - plotY : plotH)
    let inset = 2 * gap
    let corners = [
      (plotX + plotW - boxW - inset, plotY + inset), (plotX + inset + s, plotY + inset),
      (plotX + plotW - boxW - inset, plotY + plotH - boxH - inset), (plotX + inset + s, plotY + plotH - boxH - inset),
    ]
    // Sample points densely enough that a line crossing the box counts even between vertices.
    var best = corners[0], bestHits = Int.max
    for corner in legendOutside ? [] : corners {
      let (x0, y0) = (Double(corner.0 - gap), Double(corner.1 - gap))
      let (x1, y1) = (Double(corner.0 + boxW + gap), Double(corner.1 + boxH + gap))
      let hits = points.reduce(0) { $0 + ($1.0 >= x0 && $1.0 <= x1 && $1.1 >= y0 && $1.1 <= y1 ? 1 : 0) }
      if hits < bestHits { (best, bestHits) = (corner, hits) }
    }
    let (bx, by) = legendOutside ? (plotX + plotW + 2 * gap, plotY) : best
    c.fillRect(x: bx, y: by, width: boxW, height: boxH, color: .white, alpha: 0.9)
    c.strokeRect(x: bx, y: by, width: boxW, height: boxH, color: RGB(hex: 0xBBBBBB), thickness: max(s / 2, 1))
    for (i, e) in entries.enumerated() {
      let rowTop = by + gap + i * rowH
      let cy = Double(rowTop) + Double(font.ascent * s) / 2
      let sx = Double(bx + gap)
      if let m = e.marker {
        c.marker(m, cx: sx + Double(swatch) / 2, cy: cy, size: Double(m == .square ? 7 * s : 5 * s), color: e.color)
      } else {
        c.line(x0: sx, y0: cy, x1: sx + Double(swatch), y1: cy, color: e.color, width: Double(s) * 1.5)
      }
      c.text(names[i], x: bx + gap + swatch + gap, y: rowTop, color: .ink, scale: s)
    }
  }

  /// Pixel positions along a polyline, densified so boxes between vertices are noticed.
  static func densify(_ pts: [(Double, Double)], step: Double) -> [(Double, Double)] {
    guard pts.count > 1 else { return pts }
    var out: [(Double, Double)] = []
    for i in 0..<(pts.count - 1) {
      let (a, b) = (pts[i], pts[i + 1])
      guard a.0.isFinite, a.1.isFinite, b.0.isFinite, b.1.isFinite else { continue }
      let n = min(Int((abs(b.0 - a.0) + abs(b.1 - a.1)) / step) + 1, 10_000)
      for k in 0..<n {
        let t = Double(k) / Double(n)
        out.append((a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t))
      }
    }
    if let l = pts.last, l.0.isFinite, l.1.isFinite { out.append(l) }
    return out
  }
}
