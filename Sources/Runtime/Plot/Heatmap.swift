/// Heatmaps: a matrix of coloured cells with optional text per cell and labelled rows and
/// columns. `ConfusionPlot` builds on it.
public enum Heatmap {
  /// Renders `colors` (values in [0, 1], mapped through `colorMap`) as a grid of cells.
  ///
  /// The canvas size follows from the cell size and the labels: rows are labelled on the left,
  /// columns below (rotated when the names are wider than a cell).
  /// - Parameters:
  ///   - cellText: text drawn centred in each cell (white on dark cells), or nil.
  ///   - cellSize: cell side in pixels; by default it shrinks with the number of columns.
  /// - Throws: `invalidArgument` when the matrix is empty, ragged, or labels do not match it.
  public static func render(
    colors: [[Double]], cellText: [[String]]? = nil, rowLabels: [String], columnLabels: [String],
    title: String = "", xLabel: String = "", yLabel: String = "", scale: Int = 2, cellSize: Int? = nil,
    colorMap: (Double) -> RGB = Palette.blues
  ) throws -> Canvas {
    let rows = colors.count, cols = colors.first?.count ?? 0
    guard rows > 0, cols > 0, colors.allSatisfy({ $0.count == cols }) else {
      throw RuntimeError.invalidArgument(op: "heatmap", message: "expected a non-empty rectangular matrix")
    }
    guard rows <= 512, cols <= 512 else {
      throw RuntimeError.invalidArgument(op: "heatmap", message: "\(rows)x\(cols) cells are too many to draw (at most 512x512)")
    }
    guard rowLabels.count == rows, columnLabels.count == cols else {
      throw RuntimeError.invalidArgument(op: "heatmap", message: "\(rowLabels.count) row and \(columnLabels.count) column labels for a \(rows)x\(cols) matrix")
    }
    if let t = cellText, t.count != rows || t.contains(where: { $0.count != cols }) {
      throw RuntimeError.invalidArgument(op: "heatmap", message: "cell text must be \(rows)x\(cols) like the matrix")
    }
    let s = max(scale, 1), font = BitmapFont.standard
    let pad = 8 * s, gap = 4 * s, textH = font.height(scale: s)
    let cell = cellSize.map { max($0, 2) } ?? s * min(max(360 / max(rows, cols), 10), 36)
    let rowW = rowLabels.map { font.width(of: $0, scale: s) }.max() ?? 0
    let colW = columnLabels.map { font.width(of: $0, scale: s) }.max() ?? 0
    let rotateColumns = colW > cell - gap
    let colLabelH = rotateColumns ? min(colW, 160 * s) : textH
    let titleH = title.isEmpty ? 0 : font.height(scale: s + 1) + 2 * gap
    var left = pad + (yLabel.isEmpty ? 0 : textH + gap) + min(rowW, 200 * s) + gap
    let top = pad + titleH
    let gridW = cell * cols, gridH = cell * rows
    let natural = left + gridW + pad
    let width = max(natural, font.width(of: title, scale: s + 1) + 2 * pad)
    let height = top + gridH + gap + colLabelH + (xLabel.isEmpty ? 0 : gap + textH) + pad
    try Canvas.checkScale(scale, op: "heatmap")
    try Canvas.checkSize(width: width, height: height, op: "heatmap")
    // A title wider than the grid centres the grid under it.
    left += (width - natural) / 2
    var c = Canvas(width: width, height: height)
    for r in 0..<rows {
      for k in 0..<cols {
        let color = colorMap(colors[r][k])
        let x = left + k * cell, y = top + r * cell
        c.fillRect(x: x, y: y, width: cell, height: cell, color: color)
        guard let text = cellText?[r][k], !text.isEmpty else { continue }
        // The largest scale at which the text fits the cell, down to 1; else leave it out.
        var ts = s
        while ts > 1, font.width(of: text, scale: ts) > cell - 2 * s { ts -= 1 }
        guard font.width(of: text, scale: ts) <= cell - 2 else { continue }
        let ink: RGB = color.luminance < 0.4 ? .white : .ink
        c.text(text, x: x + cell / 2, y: y + (cell - font.ascent * ts) / 2, color: ink, scale: ts, align: .center)
      }
    }
    // Thin white separators between cells.
    for k in 1..<max(cols, 1) { c.fillRect(x: left + k * cell, y: top, width: max(s / 2, 1), height: gridH, color: .white) }
    for r in 1..<max(rows, 1) { c.fillRect(x: left, y: top + r * cell, width: gridW, height: max(s / 2, 1), color: .white) }
    for (r, name) in rowLabels.enumerated() {
      let t = font.truncated(name, toWidth: 200 * s, scale: s)
      c.text(t, x: left - gap, y: top + r * cell + (cell - font.ascent * s) / 2, color: .ink, scale: s, align: .right)
    }
    for (k, name) in columnLabels.enumerated() {
      let cx = left + k * cell + cell / 2
      if rotateColumns {
        let t = font.truncated(name, toWidth: colLabelH, scale: s)
        // Rotated names hang from the grid, their ends aligned just below it.
        let w = font.width(of: t, scale: s)
        c.verticalText(t, x: cx - (font.ascent * s) / 2, cy: top + gridH + gap + w / 2, color: .ink, scale: s)
      } else {
        c.text(name, x: cx, y: top + gridH + gap, color: .ink, scale: s, align: .center)
      }
    }
    if !xLabel.isEmpty {
      c.text(xLabel, x: left + gridW / 2, y: top + gridH + gap + colLabelH + gap, color: .ink, scale: s, align: .center)
    }
    if !yLabel.isEmpty { c.verticalText(yLabel, x: left - gap - min(rowW, 200 * s) - gap - textH, cy: top + gridH / 2, color: .ink, scale: s) }
    if !title.isEmpty {
      c.text(title, x: width / 2, y: pad, color: .ink, scale: s + 1, align: .center)
    }
    return c
  }
}

/// Confusion matrices: counts of (true class, predicted class), coloured by the fraction of
/// each true class (row-normalised), with the count in every cell.
///
///     try ConfusionPlot.render(counts: m, classNames: ds.classNames).write(path: "cm.png")
public enum ConfusionPlot {
  /// The row-normalised fractions of `counts` (a row of zeros stays zeros).
  public static func rowNormalized(_ counts: [[Double]]) -> [[Double]] {
    counts.map { row in
      let total = row.reduce(0) { $0 + ($1.isFinite ? $1 : 0) }
      return row.map { total > 0 && $0.isFinite ? $0 / total : 0 }
    }
  }

  /// Renders a CxC matrix whose row `i` counts samples of true class `i` by predicted class.
  ///
  /// - Throws: `invalidArgument` unless `counts` is square with one class name per row.
  public static func render(
    counts: [[Double]], classNames: [String], title: String = "confusion matrix",
    xLabel: String = "predicted", yLabel: String = "true", scale: Int = 2
  ) throws -> Canvas {
    guard counts.allSatisfy({ $0.count == counts.count }), classNames.count == counts.count else {
      throw RuntimeError.invalidArgument(op: "confusion_plot", message: "expected a \(classNames.count)x\(classNames.count) count matrix for \(classNames.count) classes, got \(counts.count) rows of \(counts.map(\.count))")
    }
    let text = counts.map { row in
      row.map { v -> String in
        guard v.isFinite else { return "" }
        guard abs(v) < 1e12 else { return "\(v)" }
        return v == v.rounded() ? String(Int64(v)) : Ticks.label(integer: (v * 100).rounded(), exp: -2, scientific: false)
      }
    }
    return try Heatmap.render(
      colors: rowNormalized(counts), cellText: text, rowLabels: classNames, columnLabels: classNames,
      title: title, xLabel: xLabel, yLabel: yLabel, scale: scale)
  }
}
