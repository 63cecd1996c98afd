/// Mean, sample standard deviation and count of a sample (sd uses n − 1; nil sd for n < 2).
public struct SampleSummary: Sendable, Equatable {
  public let n: Int
  public let mean: Double
  /// The sample standard deviation (n − 1 in the denominator); nil when n < 2.
  public let sd: Double?

  /// Summarises `values`; nil when empty.
  public init?(_ values: [Double]) {
    guard !values.isEmpty else { return nil }
    n = values.count
    mean = values.reduce(0, +) / Double(n)
    if n > 1 {
      let m = mean
      sd = (values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(n - 1)).squareRoot()
    } else {
      sd = nil
    }
  }
}

/// A paired comparison of two methods run on the same seeds: the per-seed differences
/// d_s = a_s − b_s, their mean, a Student-t confidence interval and the two-sided paired
/// t-test p-value (scipy's `ttest_rel(a, b)`).
///
///     let c = PairedComparison(differences: [-0.13, 0.50, 1.05])!
///     c.meanDifference   // 0.4733
///     c.t, c.p           // 1.3885, 0.2994
public struct PairedComparison: Sendable {
  /// The per-seed differences, in the order given.
  public let differences: [Double]
  public let meanDifference: Double
  /// The sample sd of the differences (n − 1); nil for one pair.
  public let sdDifference: Double?
  /// The confidence level of `interval` (0.95 by default).
  public let level: Double
  /// meanDifference ∓ t(1 − α/2, n − 1) · sd / √n; nil for fewer than two pairs.
  public let interval: (low: Double, high: Double)?
  /// The paired t statistic d̄ / (sd / √n); nil for fewer than two pairs. Infinite when
  /// every difference is the same non-zero number; NaN when all are zero.
  public let t: Double?
  /// The two-sided p-value of `t` with n − 1 degrees of freedom.
  public let p: Double?

  /// Compares from the differences; nil when there are none.
  public init?(differences: [Double], level: Double = 0.95) {
    guard let s = SampleSummary(differences) else { return nil }
    self.differences = differences
    self.level = level
    meanDifference = s.mean
    sdDifference = s.sd
    guard let sd = s.sd else { interval = nil; t = nil; p = nil; return }
    let df = Double(s.n - 1), se = sd / Double(s.n).squareRoot()
    let q = StudentT.quantile(1 - (1 - level) / 2, degreesOfFreedom: df)
    interval = (s.mean - q * se, s.mean + q * se)
    let stat = se == 0 ? (s.mean == 0 ? Double.nan : (s.mean > 0 ? .infinity : -.infinity)) : s.mean / se
    t = stat
    p = StudentT.twoSidedP(stat, degreesOfFreedom: df)
  }

  /// Compares `a` against `b` seed by seed (equal lengths; pair i is a[i] − b[i]).
  public init?(_ a: [Double], minus b: [Double], level: Double = 0.95) {
    guard a.count == b.count else { return nil }
    self.init(differences: zip(a, b).map { $0 - $1 }, level: level)
  }
}
