import XCTest
@testable import Runtime

/// Writes example charts to $RSLAB_PLOT_EXAMPLES (when set) for looking at them.
final class PlotExamplesTests: XCTestCase {
  func testWriteExamples() throws {
    guard let dir = ProcessInfo.processInfo.environment["RSLAB_PLOT_EXAMPLES"] else { throw XCTSkip("set RSLAB_PLOT_EXAMPLES to a folder") }
    let steps = (0...50).map { Double($0 * 20) }
    let a = steps.map { 0.1 + 0.75 * (1 - exp(-$0 / 250)) }
    let b = steps.map { 0.1 + 0.8 * (1 - exp(-$0 / 200)) + ($0 > 400 && $0 < 500 ? Double.nan : 0) }
    try LineChart.render([.init(name: "fixmatch", xs: steps, ys: a), .init(name: "rsmatch (ours)", xs: steps, ys: b)],
                         title: "test accuracy on Fashion-MNIST", xLabel: "step", yLabel: "accuracy").write(path: dir + "/line.png")
    try LineChart.render([.init(name: "", xs: [0, 1, 2, 3], ys: [1e-7, 3e-7, 2e-7, 5e-7])], title: "tiny", xLabel: "x", yLabel: "y").write(path: dir + "/line_tiny.png")
    try LineChart.render([.init(name: "c", xs: [0, 1, 2, 3], ys: [5, 5, 5, 5])], title: "constant").write(path: dir + "/line_const.png")
    let loss = steps.map { 2.3 * exp(-$0 / 300) + 0.05 * sin($0) }
    try LineChart.render([.init(name: "loss", xs: steps.map { $0 * 1000 }, ys: loss)], title: "loss", xLabel: "step", yLabel: "loss").write(path: dir + "/line_loss.png")
    let sup = steps.map { 2.3 * exp(-$0 / 150) + 0.002 }, unsup = steps.map { 0.5 * exp(-$0 / 400) + 0.01 * (1 + sin($0 / 30)) }
    try LineChart.render([.init(name: "sup_loss", xs: steps, ys: sup), .init(name: "unsup_loss", xs: steps, ys: unsup)], title: "losses (log scale)", xLabel: "step", yLabel: "loss", logY: true).write(path: dir + "/line_log.png")

    var rng = RNG(seed: 3)
    let real = (0..<2000).map { _ in Double(rng.normal()) * 0.1 + 0.8 }
    let syn = (0..<1000).map { _ in Double(rng.normal()) * 0.15 + 0.55 }
    try Histogram.render(groups: [("real", real), ("synthetic", syn)], bins: 30, title: "confidence", xLabel: "max probability").write(path: dir + "/hist.png")
    try Histogram.render(real, bins: 20, title: "one group", xLabel: "value").write(path: dir + "/hist1.png")

    let names = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
    var m = [[Double]](repeating: [Double](repeating: 0, count: 10), count: 10)
    for i in 0..<10 { for j in 0..<10 { m[i][j] = i == j ? Double(700 + rng.int(below: 250)) : Double(rng.int(below: 40)) } }
    try ConfusionPlot.render(counts: m, classNames: names).write(path: dir + "/confusion.png")
    try ConfusionPlot.render(counts: [[5, 1, 0], [2, 3, 1], [0, 0, 9]], classNames: ["a", "b", "c"]).write(path: dir + "/confusion3.png")

    var xs: [Double] = [], ys: [Double] = [], cats: [Int] = []
    for i in 0..<600 {
      let c = i % 3
      xs.append(Double(rng.normal()) + Double(c) * 2)
      ys.append(Double(rng.normal()) * 0.7 + Double(c % 2) * 2)
      cats.append(c)
    }
    try ScatterPlot.render(xs: xs, ys: ys, categories: cats, categoryNames: ["real", "synthetic", "labeled"], title: "features (PCA)", xLabel: "pc 1", yLabel: "pc 2").write(path: dir + "/scatter.png")

    var tiles: [(pixels: [UInt8], channels: Int, height: Int, width: Int)] = []
    var caps: [String] = []
    for i in 0..<10 {
      let ch = i % 3 == 0 ? 3 : 1
      var px = [UInt8](repeating: 0, count: ch * 28 * 28)
      for c in 0..<ch { for y in 0..<28 { for x in 0..<28 {
        let r = Double((x - 14) * (x - 14) + (y - 14) * (y - 14)).squareRoot()
        px[(c * 28 + y) * 28 + x] = UInt8(max(0, min(255, 255 - r * Double(12 + i * 3) + Double(c * 60))))
      } } }
      tiles.append((px, ch, 28, 28))
      caps.append(names[i] + (i % 4 == 1 ? " syn" : ""))
    }
    try ImageGrid.render(images: tiles, captions: caps, columns: 5, scale: 2, borders: (0..<10).map { $0 % 4 == 1 ? Palette.color(1) : nil }).write(path: dir + "/grid.png")
  }

  /// Real data: a Fashion-MNIST preview grid and the PCA of its raw pixels (784-D, the
  /// subspace-iteration path), coloured by class.
  func testWriteFashionMNISTExamples() throws {
    guard let dir = ProcessInfo.processInfo.environment["RSLAB_PLOT_EXAMPLES"] else { throw XCTSkip("set RSLAB_PLOT_EXAMPLES to a folder") }
    let ds = try Dataset.fashionMNIST(split: "test")
    let per = ds.channels * ds.height * ds.width
    let tiles = (0..<16).map { i in (pixels: Array(ds.pixels[(i * per)..<((i + 1) * per)]), channels: ds.channels, height: ds.height, width: ds.width) }
    let captions = (0..<16).map { ds.classNames[ds.labels[$0]] + ($0 % 5 == 2 ? " syn" : "") }
    try ImageGrid.render(images: tiles, captions: captions, columns: nil, scale: 2, borders: (0..<16).map { $0 % 5 == 2 ? Palette.color(1) : nil }, title: "fashion-mnist/test").write(path: dir + "/fmnist_grid.png")
    let n = 1500
    let x = Tensor(shape: [n, per], values: ds.pixels[0..<(n * per)].map { Float($0) / 255 })
    let xy = try PCA.project(x)
    let v = xy.values
    try ScatterPlot.render(xs: (0..<n).map { Double(v[2 * $0]) }, ys: (0..<n).map { Double(v[2 * $0 + 1]) }, categories: Array(ds.labels[0..<n]), categoryNames: ds.classNames,
                           title: "Fashion-MNIST pixels, PCA", xLabel: "pc 1", yLabel: "pc 2").write(path: dir + "/fmnist_pca.png")
  }
}
