import Runtime

/// `rslab sweep report FILE`: merges the finished cells into `OUT/runs.csv`, writes
/// `OUT/table.md` (per group: mean ± sample sd and n; against the baseline: per-seed
/// differences, their mean, a 95% Student-t interval and the paired t-test p), a curve
/// plot per group and a chart of the paired differences under `OUT/plots/`, and prints the table.
struct SweepReport {
  let sweep: SweepFile

  /// One finished cell.
  struct Row {
    let cell: SweepCellSpec
    let doc: JSONValue
    var metrics: [(String, JSONValue)] { if case let .object(m)? = doc["metrics"] { return m } else { return [] } }
    func number(_ metric: String) -> Double? { metrics.first { $0.0 == metric }?.1.number }
  }

  func run() -> Int32 {
    let layout = SweepLayout(out: sweep.out)
    let rows = sweep.cells.compactMap { c in SweepState.result(of: c, in: layout).flatMap { $0.matches ? Row(cell: c, doc: $0.doc) : nil } }
    guard !rows.isEmpty else {
      Console.err("rslab: no finished cells in \(sweep.out) yet (rslab sweep status \(sweep.path))")
      return 1
    }
    do {
      try AtomicWrite.write(csv(rows), to: "\(sweep.out)/runs.csv")
      let table = markdown(rows)
      try AtomicWrite.write(table, to: "\(sweep.out)/table.md")
      let plots = try curves(rows) + [try differenceChart(rows)].compactMap { $0 }
      Console.out(table)
      Console.line("\nwrote \(sweep.out)/runs.csv and \(sweep.out)/table.md" + (plots.isEmpty ? "" : " and \(plots.count) plot\(plots.count == 1 ? "" : "s") in \(sweep.out)/plots"))
      return 0
    } catch {
      Console.err("rslab: \(error)")
      return 1
    }
  }

  /// Every metric name in first-seen order (strings included), and the numeric ones to summarise.
  func metricNames(_ rows: [Row]) -> (all: [String], numeric: [String]) {
    var all: [String] = []
    for r in rows { for (k, _) in r.metrics where !all.contains(k) { all.append(k) } }
    let numeric = sweep.reportMetrics ?? all.filter { k in rows.contains { $0.number(k) != nil } && !rows.contains { r in r.metrics.contains { $0.0 == k && $0.1.string != nil } } }
    return (all, numeric)
  }

  func csv(_ rows: [Row]) -> String {
    let metrics = metricNames(rows).all
    let header = ["index", "cell"] + sweep.axisNames + ["seed"] + metrics + ["wall_seconds", "cpu_seconds", "blas_threads", "host", "git_revision"]
    var lines = [header.map(csvField).joined(separator: ",")]
    for r in rows {
      var f = ["\(r.cell.index)", r.cell.name] + r.cell.axes.map { SweepCellSpec.valueText($0.1) }
      f += metrics.map { m in r.metrics.first { $0.0 == m }.map { $0.1 == .null ? "" : SweepCellSpec.valueText($0.1) } ?? "" }
      f += ["wall_seconds", "cpu_seconds", "blas_threads"].map { r.doc[$0].map(SweepCellSpec.valueText) ?? "" }
      f += [r.doc["machine"]?["host"]?.string ?? "", r.doc["git_revision"]?.string ?? ""]
      lines.append(f.map(csvField).joined(separator: ","))
    }
    return lines.joined(separator: "\n") + "\n"
  }

  private func csvField(_ s: String) -> String {
    guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return s }
    return "\"" + s.replacingAll("\"", with: "\"\"") + "\""
  }

  /// Groups (every axis but the seed) in cell order, with their rows.
  func groups(_ rows: [Row]) -> [(key: [(String, JSONValue)], rows: [Row])] {
    var out: [(key: [(String, JSONValue)], rows: [Row])] = []
    for r in rows {
      let key = r.cell.axes.filter { $0.0 != "seed" }
      if let i = out.firstIndex(where: { $0.key.map(\.1) == key.map(\.1) }) { out[i].rows.append(r) } else { out.append((key, [r])) }
    }
    return out
  }

  func markdown(_ rows: [Row]) -> String {
    let (_, metrics) = metricNames(rows)
    let axes = sweep.axisNames
    let gs = groups(rows)
    var md = "# Sweep \(sweep.name)\n\n"
    md += "Sweep file: `\(sweep.path)`; cell script: `\(sweep.script)`; \(rows.count) of \(sweep.cells.count) cells finished; seeds \(sweep.seeds.map(String.init).joined(separator: ", ")).\n\n"
    md += "## Mean ± sample sd over seeds\n\n"
    md += "| " + (axes + ["n"] + metrics).joined(separator: " | ") + " |\n"
    md += "|" + String(repeating: "---|", count: axes.count + 1 + metrics.count) + "\n"
    for g in gs {
      var cells = g.key.map { SweepCellSpec.valueText($0.1) } + ["\(g.rows.count)"]
      for m in metrics {
        let xs = g.rows.compactMap { $0.number(m) }
        if let s = SampleSummary(xs) {
          cells.append(format(s.mean) + (s.sd.map { " ± " + format($0) } ?? "") + (xs.count < g.rows.count ? " (n=\(xs.count))" : ""))
        } else {
          cells.append("-")
        }
      }
      md += "| " + cells.joined(separator: " | ") + " |\n"
    }
    guard !sweep.baseline.isEmpty else { return md }
    let baseText = SweepCellSpec.describe(sweep.baseline)
    md += "\n## Paired differences against the baseline (\(baseText))\n\n"
    md += "d = group − baseline on the same seed (seeds present in both); mean d with its 95% confidence interval "
    md += "(Student t, n − 1 degrees of freedom) and the two-sided paired t-test p-value.\n\n"
    let shownAxes = axes.filter { a in gs.contains { g in g.key.first { $0.0 == a }?.1 != gs[0].key.first { $0.0 == a }?.1 } || sweep.baseline.contains { $0.0 == a } }
    md += "| " + (shownAxes + ["metric", "n", "d per seed", "mean d", "95% CI", "t", "p"]).joined(separator: " | ") + " |\n"
    md += "|" + String(repeating: "---|", count: shownAxes.count + 7) + "\n"
    for d in pairedDifferences(rows, metrics: metrics) {
      let c = d.comparison
      let perSeed = zip(d.seeds, d.differences).map { "s\($0.0): \(signed($0.1))" }.joined(separator: ", ")
      let ci = c.interval.map { "[\(signed($0.low)), \(signed($0.high))]" } ?? "- (n < 2)"
      let t = c.t.map { $0.isFinite ? Format.fixed($0, 2) : ($0.isNaN ? "-" : ($0 > 0 ? "+inf" : "-inf")) } ?? "-"
      let p = c.p.map { $0.isNaN ? "-" : ($0 < 0.001 ? "< 0.001" : Format.fixed($0, 3)) } ?? "-"
      let axisCells = shownAxes.map { a in d.key.first { $0.0 == a }.map { SweepCellSpec.valueText($0.1) } ?? "" }
      md += "| " + (axisCells + [d.metric, "\(d.seeds.count)", perSeed, signed(c.meanDifference), ci, t, p]).joined(separator: " | ") + " |\n"
    }
    return md
  }

  /// One group's paired comparison with the baseline on one metric.
  struct PairedDifference {
    let key: [(String, JSONValue)]
    let metric: String
    let seeds: [Int]
    let differences: [Double]
    let comparison: PairedComparison
  }

  /// Every group but the baseline against the baseline group with its other axes equal,
  /// per metric, on the seeds both finished: what the table and the difference chart show.
  func pairedDifferences(_ rows: [Row], metrics: [String]) -> [PairedDifference] {
    guard !sweep.baseline.isEmpty else { return [] }
    let gs = groups(rows)
    var out: [PairedDifference] = []
    for g in gs {
      let isBaseline = sweep.baseline.allSatisfy { b in g.key.first { $0.0 == b.0 }?.1 == b.1 }
      if isBaseline { continue }
      // The baseline group: this group's axes with the baseline's values put in.
      let baseKey = g.key.map { k in sweep.baseline.first { $0.0 == k.0 } ?? k }
      guard let base = gs.first(where: { $0.key.map(\.1) == baseKey.map(\.1) }) else { continue }
      for m in metrics {
        var ds: [Double] = [], seedsUsed: [Int] = []
        for r in g.rows {
          guard let a = r.number(m), let b = base.rows.first(where: { $0.cell.seed == r.cell.seed })?.number(m) else { continue }
          ds.append(a - b); seedsUsed.append(r.cell.seed)
        }
        guard let c = PairedComparison(differences: ds) else { continue }
        out.append(.init(key: g.key, metric: m, seeds: seedsUsed, differences: ds, comparison: c))
      }
    }
    return out
  }

  /// `plots/paired-METRIC.png`: each group's mean difference to the baseline on the first
  /// reported metric with its 95% interval, one row per group; nil without a baseline.
  func differenceChart(_ rows: [Row]) throws -> String? {
    guard let metric = metricNames(rows).numeric.first else { return nil }
    // A metric missing on some seeds (NaN) has no difference to draw; the table shows it.
    let ds = pairedDifferences(rows, metrics: [metric]).filter { $0.comparison.meanDifference.isFinite }
    guard !ds.isEmpty else { return nil }
    // Label rows by the axes that tell them apart (all of them when one group is drawn).
    let varying = sweep.axisNames.filter { a in Set(ds.map { d in d.key.first { $0.0 == a }.map { SweepCellSpec.valueText($0.1) } ?? "" }).count > 1 }
    let chartRows = ds.prefix(IntervalChart.rowLimit).map { d in
      let interval = d.comparison.interval.flatMap { $0.low.isFinite && $0.high.isFinite ? $0 : nil }
      return IntervalChart.Row(label: SweepCellSpec.describe(varying.isEmpty ? d.key : d.key.filter { varying.contains($0.0) }),
                               estimate: d.comparison.meanDifference, low: interval?.low, high: interval?.high)
    }
    let dir = "\(sweep.out)/plots"
    try FileSystem.makeDirectory(dir)
    let path = "\(dir)/paired-\(SweepFileName.safe(metric)).png"
    try IntervalChart.render(rows: Array(chartRows), marks: [0], title: "\(metric): group - \(SweepCellSpec.describe(sweep.baseline)), 95% CI",
                             xLabel: "difference on the same seed").write(path: path)
    return path
  }

  /// 4 decimals below 100 (accuracies, AUCs), 2 above (seconds, losses in the hundreds).
  private func format(_ x: Double) -> String { Format.fixed(x, abs(x) < 100 ? 4 : 2) }
  private func signed(_ x: Double) -> String { (x >= 0 ? "+" : "") + format(x) }

  /// A history as columns: a run's history already is; a list of records is transposed.
  static func columns(_ history: JSONValue?) -> [(String, JSONValue)]? {
    switch history {
    case .object(let cols)?: return cols
    case .array(let records)?:
      var names: [String] = []
      for case .object(let f) in records { for (k, _) in f where !names.contains(k) { names.append(k) } }
      return names.map { k in (k, .array(records.map { $0[k] ?? .null })) }
    default: return nil
    }
  }

  /// One PNG per group: the curve column of each seed's history against its step column.
  func curves(_ rows: [Row]) throws -> [String] {
    let column = sweep.curve ?? "test_acc"
    let dir = "\(sweep.out)/plots"
    var written: [String] = []
    for g in groups(rows) {
      var series: [LineChart.Series] = []
      for r in g.rows {
        guard let h = SweepReport.columns(r.doc["history"]), case let .array(ys)? = h.first(where: { $0.0 == column })?.1 else { continue }
        let steps: [Double]
        if case let .array(xs)? = h.first(where: { $0.0 == "step" })?.1, xs.count == ys.count {
          steps = xs.map { $0.number ?? .nan }
        } else {
          steps = ys.indices.map(Double.init)
        }
        let pts = zip(steps, ys.map { $0.number ?? .nan }).filter { $0.1.isFinite }
        guard !pts.isEmpty else { continue }
        series.append(.init(name: "seed \(r.cell.seed)", xs: pts.map(\.0), ys: pts.map(\.1)))
      }
      guard !series.isEmpty else { continue }
      if written.isEmpty { try FileSystem.makeDirectory(dir) }
      let title = SweepCellSpec.describe(g.key)
      let path = "\(dir)/\(SweepFileName.safe(g.key.map { "\($0.0)=\(SweepCellSpec.valueText($0.1))" }.joined(separator: "_"))).png"
      try LineChart.render(series, title: title, xLabel: "step", yLabel: column).write(path: path)
      written.append(path)
    }
    return written
  }
}
