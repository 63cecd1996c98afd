import Runtime

extension BuiltinRegistry {
  /// Statistics over seeds: the Student-t interval of a mean
  /// and the paired comparison `rslab sweep report` prints, so a script can apply its own
  /// decision rule to `sweep_results` rows with the same numbers the report shows.
  static func registerStats(_ r: BuiltinRegistry) {
    let c = "statistics"
    r.add("mean_ci(xs, level: 0.95)", category: c,
          doc: "Mean of a list of numbers with its Student-t confidence interval: {n, mean, sd, lo, hi}.",
          help: """
            sd is the sample standard deviation (n − 1); lo and hi are mean ∓ t(1 − α/2, n − 1)·sd/√n. \
            With one number, sd, lo and hi are nil.
            """,
          example: "mean_ci([0.95, 0.96, 0.94, 0.97])") { a in
      let xs = try numbers(a, 0)
      let level = try confidenceLevel(a)
      guard let s = SampleSummary(xs) else { throw a.error(0, "needs at least one number") }
      var lo = Value.null, hi = Value.null
      if let sd = s.sd {
        let q = StudentT.quantile(1 - (1 - level) / 2, degreesOfFreedom: Double(s.n - 1))
        let half = q * sd / Double(s.n).squareRoot()
        lo = .number(s.mean - half)
        hi = .number(s.mean + half)
      }
      return .record([("n", .number(Double(s.n))), ("mean", .number(s.mean)),
                      ("sd", s.sd.map(Value.number) ?? .null), ("lo", lo), ("hi", hi)])
    }
    r.add("paired(a, b, level: 0.95)", category: c,
          doc: "Paired comparison of two lists over the same seeds: differences a − b with mean, sd, CI, t and p.",
          help: """
            Pair i is a[i] − b[i] (equal lengths). Returns {n, mean, sd, lo, hi, t, p}: the mean \
            difference, its sample sd, the Student-t confidence interval, the paired t statistic and \
            its two-sided p-value (scipy's `ttest_rel(a, b)`). With one pair, sd, lo, hi, t and p are nil.
            """,
          example: "paired([78.1, 77.5, 79.0], [77.0, 77.9, 78.2])") { a in
      let xs = try numbers(a, 0), ys = try numbers(a, 1)
      guard xs.count == ys.count else {
        throw a.error(1, "has \(ys.count) numbers, the first list \(xs.count): pairs need equal lengths")
      }
      guard let p = PairedComparison(xs, minus: ys, level: try confidenceLevel(a)) else {
        throw a.error(0, "needs at least one pair")
      }
      func opt(_ v: Double?) -> Value { v.map(Value.number) ?? .null }
      return .record([("n", .number(Double(xs.count))), ("mean", .number(p.meanDifference)),
                      ("sd", opt(p.sdDifference)), ("lo", opt(p.interval?.low)), ("hi", opt(p.interval?.high)),
                      ("t", opt(p.t)), ("p", opt(p.p))])
    }
  }

  /// Argument `i` as a list of numbers.
  private static func numbers(_ a: Arguments, _ i: Int) throws(ScriptError) -> [Double] {
    var out: [Double] = []
    for v in try a.list(i) {
      guard case .number(let x) = v else { throw a.typeError(i, "a list of numbers") }
      out.append(x)
    }
    return out
  }

  private static func confidenceLevel(_ a: Arguments) throws(ScriptError) -> Double {
    let level = try a.number("level")
    guard level > 0, level < 1 else { throw a.error("level", "must be strictly between 0 and 1") }
    return level
  }
}
