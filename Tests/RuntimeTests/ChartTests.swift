import XCTest
@testable import Runtime

final class ChartTests: XCTestCase {
  /// Pixel positions whose colour is exactly `color`.
  func positions(of color: RGB, in c: Canvas) -> [(x: Int, y: Int)] {
    var out: [(x: Int, y: Int)] = []
    for y in 0..<c.height { for x in 0..<c.width where c.pixel(x: x, y: y) == color { out.append((x, y)) } }
    return out
  }

  func centroid(_ p: [(x: Int, y: Int)]) -> (Double, Double) {
    (Double(p.map(\.x).reduce(0, +)) / Double(max(p.count, 1)), Double(p.map(\.y).reduce(0, +)) / Double(max(p.count, 1)))
  }

  func testLineChartDrawsTheSeriesWhereTheAxesMapIt() throws {
    let xs = (0...10).map(Double.init), ys = xs.map { $0 * $0 }
    let c = try LineChart.render([.init(name: "", xs: xs, ys: ys)], title: "squares", xLabel: "x", yLabel: "y", width: 400, height: 300, scale: 1)
    XCTAssertEqual(c.width, 400)
    XCTAssertEqual(c.height, 300)
    for (x, y) in [(0, 0), (399, 0), (0, 299), (399, 299)] { XCTAssertEqual(c.pixel(x: x, y: y), .white, "corner") }
    let axes = ChartAxes(width: 400, height: 300, scale: 1, title: "squares", xLabel: "x", yLabel: "y",
                         xTicks: Ticks(min: 0, max: 10, target: 6, integer: true), yTicks: Ticks(min: 0, max: 100, target: 5))
    let blue = Palette.color(0)
    // Every data point is drawn in the series colour...
    for (x, y) in zip(xs, ys) {
      let px = Int(axes.px(x)), py = Int(axes.py(y))
      XCTAssertEqual(c.pixel(x: px, y: py), blue, "point (\(x), \(y)) at pixel (\(px), \(py))")
    }
    // ...and no series pixel is far from the curve y = x^2.
    let drawn = positions(of: blue, in: c)
    XCTAssertGreaterThan(drawn.count, 200)
    for p in drawn {
      let xData = (Double(p.x) + 0.5 - axes.px(0)) / (axes.px(1) - axes.px(0))
      let nearest = stride(from: max(0, xData - 0.5), through: min(10, xData + 0.5), by: 0.01).map { xv in
        hypot(axes.px(xv) - Double(p.x) - 0.5, axes.py(xv * xv) - Double(p.y) - 0.5)
      }.min() ?? 99
      XCTAssertLessThan(nearest, 4, "series pixel (\(p.x), \(p.y)) is off the curve")
    }
    // Axis tick labels are ink, left of the plot area.
    var inkLeft = 0
    for y in axes.plotY..<(axes.plotY + axes.plotH) { for x in 0..<axes.plotX where c.pixel(x: x, y: y) == .muted { inkLeft += 1 } }
    XCTAssertGreaterThan(inkLeft, 50)
  }

  func testNaNLeavesAGapAndMismatchThrows() throws {
    let xs = (0..<21).map(Double.init)
    let ys = xs.map { ($0 >= 8 && $0 <= 12) ? Double.nan : 1 }
    let c = try LineChart.render([.init(name: "", xs: xs, ys: ys)], width: 400, height: 300, scale: 1)
    let axes = ChartAxes(width: 400, height: 300, scale: 1, title: "", xLabel: "", yLabel: "",
                         xTicks: Ticks(min: 0, max: 20, target: 6, integer: true), yTicks: Ticks(min: 1, max: 1, target: 5))
    let row = Int(axes.py(1))
    XCTAssertEqual(c.pixel(x: Int(axes.px(4)), y: row), Palette.color(0))
    XCTAssertEqual(c.pixel(x: Int(axes.px(16)), y: row), Palette.color(0))
    XCTAssertNotEqual(c.pixel(x: Int(axes.px(10)), y: row), Palette.color(0), "gap where ys are NaN")
    XCTAssertThrowsError(try LineChart.render([.init(name: "bad", xs: [1, 2], ys: [1])]))
    // Empty input gives empty axes, not a crash.
    XCTAssertNoThrow(try LineChart.render([]))
    XCTAssertNoThrow(try LineChart.render([.init(name: "x", xs: [], ys: [])]))
  }

  func testLegendShowsNamesAndColours() throws {
    let xs = (0..<10).map(Double.init)
    func render(_ a: String, _ b: String) throws -> Canvas {
      try LineChart.render([.init(name: a, xs: xs, ys: xs), .init(name: b, xs: xs, ys: xs.map { 9 - $0 })], width: 400, height: 300, scale: 1)
    }
    let short = try render("a", "b"), long = try render("accuracy", "baseline run")
    let inkShort = positions(of: .ink, in: short).count, inkLong = positions(of: .ink, in: long).count
    XCTAssertGreaterThan(inkLong, inkShort + 100, "legend text is drawn")
    XCTAssertFalse(positions(of: Palette.color(1), in: long).isEmpty)
  }

  func testDataOutsideAFixedRangeIsClippedToThePlotArea() throws {
    let xs = (0..<10).map(Double.init)
    let c = try LineChart.render([.init(name: "", xs: xs, ys: xs.map { $0 - 4 })], title: "clipped", width: 400, height: 300, scale: 1, yRange: 0...1)
    let axes = ChartAxes(width: 400, height: 300, scale: 1, title: "clipped", xLabel: "", yLabel: "",
                         xTicks: Ticks(min: 0, max: 9, target: 6, integer: true), yTicks: Ticks(min: 0, max: 1, target: 5))
    let drawn = positions(of: Palette.color(0), in: c)
    XCTAssertFalse(drawn.isEmpty)
    for p in drawn {
      XCTAssertTrue(p.y >= axes.plotY && p.y < axes.plotY + axes.plotH && p.x > axes.plotX, "(\(p.x), \(p.y)) outside the plot area")
    }
    var clipped = Canvas(width: 10, height: 10)
    clipped.setClip(x: 2, y: 2, width: 3, height: 3)
    clipped.fillRect(x: 0, y: 0, width: 10, height: 10, color: .black)
    clipped.resetClip()
    XCTAssertEqual(positions(of: .black, in: clipped).count, 9)
  }

  func testLogAxisPlacesDecadesEvenly() throws {
    let xs: [Double] = [0, 1, 2, 3], ys: [Double] = [1000, 100, 10, 1]
    let c = try LineChart.render([.init(name: "", xs: xs, ys: ys)], width: 400, height: 300, scale: 1, logY: true)
    let axes = ChartAxes(width: 400, height: 300, scale: 1, title: "", xLabel: "", yLabel: "",
                         xTicks: Ticks(min: 0, max: 3, target: 6, integer: true), yTicks: Ticks.decades(minLog: 0, maxLog: 3))
    // y = 10^(3 - x) is a straight line on a log axis: every point is on it.
    for (x, y) in zip(xs, ys) { XCTAssertEqual(c.pixel(x: Int(axes.px(x)), y: Int(axes.py(log10(y)))), Palette.color(0)) }
    XCTAssertEqual(c.pixel(x: Int(axes.px(1.5)), y: Int(axes.py(1.5))), Palette.color(0))
    XCTAssertThrowsError(try LineChart.render([.init(name: "", xs: xs, ys: ys)], yRange: 0...1, logY: true))
    XCTAssertNoThrow(try LineChart.render([.init(name: "", xs: xs, ys: [0, -1, 0, 0])], logY: true))
  }

  func testManyEntriesMoveTheLegendOutOfThePlotArea() throws {
    let names = (0..<7).map { "series \($0)" }
    let xs = (0..<10).map(Double.init)
    let series = (0..<7).map { k in LineChart.Series(name: names[k], xs: xs, ys: xs.map { $0 * Double(k) }) }
    let c = try LineChart.render(series, width: 500, height: 300, scale: 1)
    let axes = ChartAxes(width: 500, height: 300, scale: 1, title: "", xLabel: "", yLabel: "",
                         xTicks: Ticks(min: 0, max: 9, target: 6, integer: true), yTicks: Ticks(min: 0, max: 54, target: 5), legend: names)
    XCTAssertTrue(axes.legendOutside)
    let right = positions(of: .ink, in: c).filter { $0.x > axes.plotX + axes.plotW }
    XCTAssertGreaterThan(right.count, 200, "legend names are drawn right of the plot")
    for k in 0..<7 {
      XCTAssertTrue(positions(of: Palette.color(k), in: c).contains { $0.x > axes.plotX + axes.plotW }, "swatch \(k)")
    }
  }

  func testHistogramCountsAndBars() throws {
    XCTAssertEqual(Histogram.counts([0, 0.1, 0.5, 0.99, 1, .nan, 2], bins: 4, lo: 0, hi: 1), [2, 0, 1, 2])
    XCTAssertEqual(Histogram.counts([3, 3, 3], bins: 3, lo: 3, hi: 3), [3, 0, 0])
    XCTAssertEqual(Histogram.range([2, 2]).lo, 1.5)
    XCTAssertThrowsError(try Histogram.render([1, 2], bins: 0))
    // All mass in the top bin: bar pixels lie in the right part of the canvas.
    let values = [Double](repeating: 9.5, count: 50) + [0]
    let c = try Histogram.render(values, bins: 10, width: 400, height: 300, scale: 1)
    let bar = RGB.white.mixed(with: Palette.color(0), 0.85)
    let cols = positions(of: bar, in: c).map(\.x)
    XCTAssertFalse(cols.isEmpty)
    XCTAssertGreaterThan(cols.filter { $0 > 300 }.count, cols.count * 9 / 10, "the tall bar sits at the right end")
    XCTAssertNoThrow(try Histogram.render([], bins: 5))
    // A fixed range: the single bar for 0.95 sits at the right end of [0, 1].
    let fixed = try Histogram.render([0.95, 0.95, 0.96], bins: 10, range: 0...1, width: 400, height: 300, scale: 1)
    let fixedCols = positions(of: bar, in: fixed).map(\.x)
    XCTAssertGreaterThan(fixedCols.min() ?? 0, 300)
    XCTAssertThrowsError(try Histogram.render([1], range: 0...Double.infinity))
  }

  func testIntervalRowsRunTopToBottomWithBarsWhereTheyHaveIntervals() throws {
    let rows: [IntervalChart.Row] = [
      .init(label: "with interval", estimate: 1, low: 0.5, high: 1.5),
      .init(label: "one seed", estimate: -2, low: nil, high: nil),
    ]
    let c = try IntervalChart.render(rows: rows, marks: [0], width: 400, scale: 1)
    XCTAssertEqual(c.height, 70 + 18 * 2, "the height follows the row count")
    let blue = positions(of: Palette.color(0), in: c)
    let mid = Double(blue.map(\.y).min()! + blue.map(\.y).max()!) / 2
    let top = blue.filter { Double($0.y) < mid }, bottom = blue.filter { Double($0.y) > mid }
    XCTAssertFalse(top.isEmpty || bottom.isEmpty)
    let topWidth = top.map(\.x).max()! - top.map(\.x).min()!, bottomWidth = bottom.map(\.x).max()! - bottom.map(\.x).min()!
    XCTAssertGreaterThan(topWidth, 3 * bottomWidth, "the first row has a bar, the second only a dot")
    XCTAssertLessThan(centroid(bottom).0, centroid(top).0, "-2 is left of 1")
    XCTAssertThrowsError(try IntervalChart.render(rows: []))
    XCTAssertThrowsError(try IntervalChart.render(rows: [.init(label: "x", estimate: .nan, low: nil, high: nil)]))
    XCTAssertThrowsError(try IntervalChart.render(rows: [.init(label: "x", estimate: 1, low: 2, high: 3)]))
  }

  func testConfusionCellsAreLaidOutAndColouredByRowFraction() throws {
    let counts: [[Double]] = [[10, 3, 1], [1, 8, 4], [5, 1, 20]]
    let fractions = ConfusionPlot.rowNormalized(counts)
    XCTAssertEqual(fractions[0][0], 10.0 / 14, accuracy: 1e-12)
    XCTAssertEqual(ConfusionPlot.rowNormalized([[0, 0]]), [[0, 0]])
    let c = try ConfusionPlot.render(counts: counts, classNames: ["cat", "dog", "bird"], scale: 1)
    XCTAssertEqual(Set(fractions.flatMap { $0 }.map(Palette.blues)).count, 9, "test needs distinct cell colours")
    var centres = [[(Double, Double)]](repeating: [], count: 3)
    for i in 0..<3 {
      for j in 0..<3 {
        let pts = positions(of: Palette.blues(fractions[i][j]), in: c)
        XCTAssertGreaterThan(pts.count, 100, "cell (\(i), \(j)) is drawn in its colour")
        centres[i].append(centroid(pts))
      }
    }
    // Rows go down, columns go right.
    for i in 0..<3 { for j in 1..<3 { XCTAssertGreaterThan(centres[i][j].0, centres[i][j - 1].0 + 10) } }
    for j in 0..<3 { for i in 1..<3 { XCTAssertGreaterThan(centres[i][j].1, centres[i - 1][j].1 + 10) } }
    // Darker means a larger fraction within a row.
    XCTAssertLessThan(Palette.blues(fractions[2][2]).luminance, Palette.blues(fractions[2][0]).luminance)
    XCTAssertThrowsError(try ConfusionPlot.render(counts: [[1, 2]], classNames: ["a"]))
    XCTAssertThrowsError(try ConfusionPlot.render(counts: [], classNames: []))
  }

  func testScatterPutsCategoriesWhereTheirPointsAre() throws {
    let xs: [Double] = [0, 0.1, 0.2, 9.8, 9.9, 10], ys: [Double] = [0, 0.2, 0.1, 10, 9.9, 9.8]
    let c = try ScatterPlot.render(xs: xs, ys: ys, categories: [0, 0, 0, 1, 1, 1], categoryNames: ["real", "synthetic"], width: 400, height: 300, scale: 1, pointSize: 6, alpha: 1)
    let a = positions(of: Palette.color(0), in: c), b = positions(of: Palette.color(1), in: c)
    // Legend swatches also use the colours; the bulk is at the points.
    let (ax, ay) = centroid(a), (bx, by) = centroid(b)
    XCTAssertLessThan(ax, bx)
    XCTAssertGreaterThan(ay, by, "category 0 is low (large pixel y), category 1 high")
    XCTAssertThrowsError(try ScatterPlot.render(xs: [1], ys: [1, 2], categories: [0], categoryNames: ["a"]))
    XCTAssertThrowsError(try ScatterPlot.render(xs: [1], ys: [1], categories: [3], categoryNames: ["a"]))
  }

  func testImageGridSizeTilesAndCaptions() throws {
    let grey: [UInt8] = [UInt8](repeating: 77, count: 10 * 10)
    let tiles = (0..<5).map { _ in (pixels: grey, channels: 1, height: 10, width: 10) }
    let c = try ImageGrid.render(images: tiles, captions: ["a", "b", "c", "d", "e syn"], columns: 2, scale: 3)
    let tilePixels = positions(of: RGB(77, 77, 77), in: c)
    XCTAssertEqual(tilePixels.count, 5 * 30 * 30)
    // Three rows of two columns.
    let xs = Set(tilePixels.map { $0.x / 10 }), rowsTop = Set(tilePixels.map(\.y)).sorted()
    XCTAssertGreaterThan(c.height, 3 * 30)
    XCTAssertGreaterThan(c.width, 2 * 30)
    XCTAssertLessThan(c.width, 3 * 30 + 200)
    XCTAssertFalse(xs.isEmpty)
    XCTAssertEqual(rowsTop.count, 90, "three rows of 30-pixel tiles")
    XCTAssertFalse(positions(of: .ink, in: c).isEmpty, "captions are drawn")
    XCTAssertEqual(ImageGrid.wrap("Ankle boot syn", width: 60, scale: 1), ["Ankle boot", "syn"])
    XCTAssertEqual(ImageGrid.wrap("short", width: 60, scale: 1), ["short"])
    XCTAssertThrowsError(try ImageGrid.render(images: [(pixels: [1, 2], channels: 1, height: 2, width: 2)], captions: [], scale: 1))
    XCTAssertThrowsError(try ImageGrid.render(images: tiles, captions: ["only one"], scale: 1))
    XCTAssertThrowsError(try ImageGrid.render(images: tiles, captions: [], scale: 0))
    XCTAssertNoThrow(try ImageGrid.render(images: [], captions: [], scale: 2))
    XCTAssertThrowsError(try ImageGrid.render(images: tiles, captions: [], scale: 1, textScale: 0))
    // A title adds a band above the tiles and keeps every tile.
    let titled = try ImageGrid.render(images: tiles, captions: [], columns: 5, scale: 3, title: "a rather long title for five tiles")
    let plain = try ImageGrid.render(images: tiles, captions: [], columns: 5, scale: 3)
    XCTAssertEqual(positions(of: RGB(77, 77, 77), in: titled).count, 5 * 30 * 30)
    XCTAssertGreaterThan(titled.height, plain.height)
    XCTAssertGreaterThan(positions(of: .ink, in: titled).count, 100)
    XCTAssertLessThan(positions(of: RGB(77, 77, 77), in: titled).map(\.y).min() ?? 0, titled.height)
    XCTAssertGreaterThan(positions(of: RGB(77, 77, 77), in: titled).map(\.y).min() ?? 0, positions(of: .ink, in: titled).map(\.y).max() ?? 0)
  }
}

final class ChartLimitTests: XCTestCase {
  func testSizesAndScalesAreValidated() {
    let one = [LineChart.Series(name: "a", xs: [0, 1], ys: [0, 1])]
    XCTAssertThrowsError(try LineChart.render(one, width: 10, height: 300))
    XCTAssertThrowsError(try LineChart.render(one, width: 100_000, height: 300))
    XCTAssertThrowsError(try LineChart.render(one, width: 8000, height: 8000))
    XCTAssertThrowsError(try LineChart.render(one, scale: 0))
    XCTAssertThrowsError(try Histogram.render([1, 2], scale: 99))
    XCTAssertThrowsError(try ScatterPlot.render(xs: [1], ys: [1], categories: [0], categoryNames: ["a"], height: -5))
    XCTAssertThrowsError(try ConfusionPlot.render(counts: [[1]], classNames: ["a"], scale: 17))
    let (w, h) = Canvas.clampedSize(width: Canvas.maxSide, height: Canvas.maxSide)
    XCTAssertEqual(w, Canvas.maxSide)
    XCTAssertLessThanOrEqual(w * h, Canvas.maxPixels)
    XCTAssertTrue(Canvas.clampedSize(width: 0, height: -4) == (1, 1))
  }
}
