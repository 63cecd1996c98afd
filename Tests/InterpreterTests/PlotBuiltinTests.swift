import Foundation
import XCTest
@testable import Interpreter
@testable import Runtime

/// Plot builtins write real PNGs with drawn content, report them once to the image sink and
/// return image values.
final class PlotBuiltinTests: XCTestCase {
  /// Fraction of pixels that are not the white background, and the number of distinct colours.
  func content(_ path: String) throws -> (ink: Double, colors: Int) {
    let t = try PNGCodec.tensor(fromPath: path)
    XCTAssertEqual(t.rank, 3)
    let c = t.shape[0], hw = t.shape[1] * t.shape[2]
    let v = t.values
    var ink = 0
    var colors = Set<[Float]>()
    for i in 0..<hw {
      let px = (0..<c).map { v[$0 * hw + i] }
      if px.contains(where: { $0 < 0.98 }) { ink += 1 }
      if colors.count < 1000 { colors.insert(px) }
    }
    return (Double(ink) / Double(hw), colors.count)
  }

  func testEveryPlotWritesAPicture() throws {
    let images = ConformanceScript.Box()
    let s = try toySession(ConformanceScript.Box(), images: images)
    rsl(s, "a = train(mlp([64, 8, 2], seed: 0), supervised(), labeled: labeled, steps: 8, batch: 4, eval: test, eval_every: 2)")
    rsl(s, "b = train(mlp([64, 8, 2], seed: 1), fixmatch(tau: 0.6), labeled: labeled, unlabeled: unlabeled, steps: 8, batch: 4, mu: 2, eval: test, eval_every: 2)")
    let given = tempPath("curves.png")
    let cases: [(String, String)] = [
      ("plot", "plot([a, b], metric: \"test_acc\", path: \"\(given)\")"),
      ("plot", "plot(a, metric: \"loss\")"),
      ("plot", "plot_xy([0, 1, 2, 3], tensor([0, 1, 4, 9]), title: \"squares\")"),
      ("hist", "hist(randn([500], seed: 0), bins: 12)"),
      ("confusion", "confusion_plot(b.model, test)"),
      ("scatter", "scatter_features(b.model, unlabeled)"),
      ("scatter", "scatter_features(b.model, test, color: \"label\")"),
    ]
    for (kind, src) in cases {
      images.text = ""
      guard let echo = rsl(s, "img = " + src + "\nimg") else { continue }
      guard case .object(let o)? = s.value(of: "img"), let path = o.imagePath else { XCTFail(src); continue }
      XCTAssertEqual(rsl(s, "type(img)"), "\"image\"")
      XCTAssertEqual(images.text, path + "\n", "reported once: \(src)")
      XCTAssertTrue(echo.hasPrefix("image(\(path), "), echo)
      XCTAssertTrue(path.hasSuffix(".png") && (path == given || path.split(separator: "/").last!.hasPrefix(kind)), path)
      let (ink, colors) = try content(path)
      XCTAssertGreaterThan(ink, 0.02, "blank picture from \(src)")
      XCTAssertLessThan(ink, 0.9, "picture from \(src) is all ink")
      XCTAssertGreaterThan(colors, 2, src)
    }
    // Two runs: both series' colours appear in the chart.
    let t = try PNGCodec.tensor(fromPath: given)
    let hw = t.shape[1] * t.shape[2], v = t.values
    for k in 0..<2 {
      let c = Palette.color(k)
      let want = [Float(c.r) / 255, Float(c.g) / 255, Float(c.b) / 255]
      let hits = (0..<hw).filter { i in (0..<3).allSatisfy { abs(v[$0 * hw + i] - want[$0]) < 0.02 } }.count
      XCTAssertGreaterThan(hits, 50, "series \(k) colour missing")
    }
  }

  func testPlotErrors() throws {
    let s = try toySession(ConformanceScript.Box())
    rsl(s, "a = train(mlp([64, 2]), supervised(), labeled: labeled, steps: 2, batch: 4)")
    XCTAssertEqual(errorMessage(s, "plot(3)"), "bad argument #1 to 'plot' (run or list of runs expected, got number)")
    XCTAssertEqual(errorMessage(s, "plot(a, metric: \"test_acc\")")?.hasPrefix("bad argument #2 to 'plot' (run supervised has no history column \"test_acc\""), true)
    XCTAssertEqual(errorMessage(s, "plot_xy([1, 2], [1])"), "bad argument #2 to 'plot_xy' (2 values expected (as many as xs), got 1)")
    XCTAssertEqual(errorMessage(s, "hist([1, 2], bins: 0)"), "hist: bins must be in 1...10000, got 0")
    XCTAssertEqual(errorMessage(s, "scatter_features(a.model, test, color: \"hue\")"), "bad argument #3 to 'scatter_features' (\"provenance\" or \"label\" expected, got \"hue\")")
    XCTAssertEqual(errorMessage(s, "hist([1, \"x\"])"), "bad argument #1 to 'hist' (list of numbers expected, got a list containing string)")
    XCTAssertTrue((errorMessage(s, "plot_xy([1, 2], [1, 2], path: \"/nonexistent/dir/p.png\")") ?? "").contains("/nonexistent/dir/p.png"))
  }
}
