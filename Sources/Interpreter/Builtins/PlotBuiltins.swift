import Runtime

extension BuiltinRegistry {
  static func registerPlots(_ r: BuiltinRegistry) {
    let c = "plots"
    let pathHelp = "Writes a PNG to `path`, or without one to a new file in $RSLAB_FIGURES (default: a per-process folder under $TMPDIR or /tmp), and returns it as an image (displayed as its path; notebooks embed it)."
    r.add("plot(runs, metric: \"test_acc\", path: nil)", category: c,
          doc: "A line chart of a history metric against step for one run or a list of runs (legend by run name).",
          help: pathHelp,
          example: "ds = from_tensors(rand([16, 1, 4, 4], seed: 0), range(16) |> map(fn(i) i % 2 end))\nr1 = train(mlp([16, 2]), supervised(), labeled: ds, steps: 4, batch: 4, eval: ds, eval_every: 1)\nplot(r1, metric: \"loss\")") { a in
      let runs = try SSLBindings.runs(&a, 0)
      let metric = try a.string(1)
      var series: [LineChart.Series] = []
      var seen: [String: Int] = [:]
      for (k, r) in runs.enumerated() {
        let h = r.run.history
        guard let ys = h[metric] else {
          throw a.error(1, "run \(r.name) has no history column \"\(metric)\" (columns: \(h.columns.joined(separator: ", ")))")
        }
        seen[r.name, default: 0] += 1
        let label = seen[r.name]! > 1 ? "\(r.name) #\(seen[r.name]!)" : r.name
        series.append(.init(name: runs.count > 1 ? label : "", xs: h["step"] ?? ys.indices.map(Double.init), ys: ys, color: Palette.color(k)))
      }
      let canvas = try LineChart.render(series, title: metric, xLabel: "step", yLabel: metric)
      return try PlotBindings.emit(canvas, &a, 2, kind: "plot")
    }
    r.add("plot_xy(xs, ys, path: nil, title: \"\")", category: c, doc: "A line chart of ys against xs (lists or 1-D tensors of equal length).",
          help: pathHelp,
          example: "xs = range(0, 50)\nplot_xy(xs, map(xs, fn(x) sqrt(x) end), title: \"sqrt\")") { a in
      let xs = try PlotBindings.numbers(&a, 0), ys = try PlotBindings.numbers(&a, 1)
      guard xs.count == ys.count else { throw a.error(1, "\(xs.count) values expected (as many as xs), got \(ys.count)") }
      let canvas = try LineChart.render([.init(name: "", xs: xs, ys: ys)], title: try a.string(3))
      return try PlotBindings.emit(canvas, &a, 2, kind: "plot")
    }
    r.add("hist(t, bins: 30, path: nil, title: \"\")", category: c, doc: "A histogram of the values of a tensor or list.",
          help: pathHelp,
          example: "hist(randn([1000], seed: 0), bins: 20)") { a in
      let v = try PlotBindings.numbers(&a, 0, flatten: true)
      let canvas = try Histogram.render(v, bins: try a.int(1), title: try a.string(3))
      return try PlotBindings.emit(canvas, &a, 2, kind: "hist")
    }
    r.add("ci_plot(intervals, marks: [0], path: nil, title: \"\", x_label: \"\")", category: c,
          doc: "Intervals side by side (a forest plot) from a record of label → {mean, lo, hi}, as `paired` and `mean_ci` return.",
          help: "One row per field, top to bottom in the record's order: the mean as a dot, [lo, hi] as a bar with end caps (none when lo and hi are nil, as with one seed), and a vertical line at each of `marks` (0 by default; add -δ and +δ to show the region of no practical difference). " + pathHelp,
          example: "a = [78.1, 77.5, 79.0]\nb = [77.0, 77.9, 78.2]\nci_plot({\"a - b\": paired(a, b), \"a\": mean_ci(a)}, marks: [0, -1, 1], x_label: \"points\")") { a in
      let intervals = try a.record(0)
      var rows: [IntervalChart.Row] = []
      for (label, value) in zip(intervals.keys, intervals.values) {
        guard case .record(let ci) = value, case .number(let mean)? = ci.get("mean") else {
          throw a.error(0, "field '\(label)' must be a record with a number 'mean' (and 'lo', 'hi'), as paired() and mean_ci() return")
        }
        var bounds: [Double?] = []
        for name in ["lo", "hi"] {
          switch ci.get(name) {
          case .number(let x)?: bounds.append(x)
          case .null?, nil: bounds.append(nil)
          case let other?: throw a.error(0, "field '\(label)': '\(name)' must be a number or nil, got \(other.typeName)")
          }
        }
        guard (bounds[0] == nil) == (bounds[1] == nil) else { throw a.error(0, "field '\(label)' has only one of 'lo' and 'hi'") }
        rows.append(.init(label: label, estimate: mean, low: bounds[0], high: bounds[1]))
      }
      let canvas = try IntervalChart.render(rows: rows, marks: try PlotBindings.numbers(&a, 1), title: try a.string(3),
                                            xLabel: try a.string(4))
      return try PlotBindings.emit(canvas, &a, 2, kind: "ci")
    }
    r.add("confusion_plot(model, ds, path: nil)", category: c, doc: "A picture of the confusion matrix of a model on a dataset (rows true, columns predicted; shaded by row fraction).",
          help: pathHelp,
          example: "ds = from_tensors(rand([8, 1, 4, 4], seed: 0), [0, 1, 2, 0, 1, 2, 0, 1])\nconfusion_plot(mlp([16, 3]), ds)") { a in
      let m = try ModelBindings.model(&a, 0), d = try a.dataset(1)
      let cm = try Evaluation.confusion(m, d, cancellation: a.context.cancellation).map { $0.map(Double.init) }
      let canvas = try ConfusionPlot.render(counts: cm, classNames: d.classNames)
      return try PlotBindings.emit(canvas, &a, 2, kind: "confusion")
    }
    r.add("scatter_features(model, ds, color: \"provenance\", path: nil)", category: c,
          doc: "A 2-D PCA scatter plot of a model's features on a dataset, coloured by provenance (real/synthetic) or label.",
          help: "At most 3000 samples (evenly spread over the dataset) are drawn. " + pathHelp,
          example: "ds = from_tensors(rand([20, 1, 4, 4], seed: 0), range(20) |> map(fn(i) i % 2 end))\nscatter_features(mlp([16, 8, 2]), ds, color: \"label\")") { a in
      let m = try ModelBindings.model(&a, 0), full = try a.dataset(1)
      let color = try a.string(2)
      guard color == "provenance" || color == "label" else {
        throw a.error(2, "\"provenance\" or \"label\" expected, got \"\(color)\"")
      }
      let n = min(full.count, PlotBindings.scatterLimit)
      let d = n == full.count ? full : try full.subset((0..<n).map { $0 * full.count / n })
      let feats = try Evaluation.features(m, d)
      guard feats.rank == 2, feats.shape[1] >= 2 else {
        throw RuntimeError.invalidArgument(op: "scatter_features", message: "needs features of at least 2 dimensions, got \(Shape.describe(feats.shape))")
      }
      let xy = try PCA.project(feats).values
      let cats = color == "label" ? d.labels : d.synthetic.map { $0 ? 1 : 0 }
      let names = color == "label" ? d.classNames : ["real", "synthetic"]
      let canvas = try ScatterPlot.render(xs: (0..<d.count).map { Double(xy[2 * $0]) }, ys: (0..<d.count).map { Double(xy[2 * $0 + 1]) },
                                          categories: cats, categoryNames: names, title: "features (PCA) by \(color)",
                                          xLabel: "pc 1", yLabel: "pc 2")
      return try PlotBindings.emit(canvas, &a, 3, kind: "scatter")
    }
  }
}

enum PlotBindings {
  static let scatterLimit = 3000

  /// Writes the canvas, reports it to the session's image sink and returns the image value.
  static func emit(_ canvas: Canvas, _ a: inout Arguments, _ pathIndex: Int, kind: String) throws -> Value {
    let path = try a.optionalString(pathIndex) ?? FigurePath.next(kind)
    try canvas.write(path: path)
    a.context.emitImage(path: path)
    return .object(ShownImageObject(path: path, width: canvas.width, height: canvas.height))
  }

  /// Numbers from a list, range or tensor (1-D, or any shape with `flatten`).
  static func numbers(_ a: inout Arguments, _ i: Int, flatten: Bool = false) throws(ScriptError) -> [Double] {
    if case .tensor(let t) = a[i] {
      guard flatten || t.rank <= 1 else { throw a.error(i, "1-D tensor expected, got shape \(Shape.describe(t.shape))") }
      return t.values.map(Double.init)
    }
    var out: [Double] = []
    for v in try a.list(i) {
      guard case .number(let x) = v else { throw a.error(i, "list of numbers expected, got a list containing \(v.typeName)") }
      out.append(x)
    }
    return out
  }
}
