#if canImport(Glibc)
import Glibc
#endif

/// Student's t distribution: the CDF through the regularized incomplete beta function and
/// the quantile by bisection on it (used for confidence intervals and paired t-tests).
///
///     StudentT.cdf(1.39, degreesOfFreedom: 2)        // 0.85049 (scipy: 0.8504875)
///     StudentT.quantile(0.975, degreesOfFreedom: 4)  // 2.776445
public enum StudentT {
  /// P(T <= t) for T ~ t(ν), ν > 0.
  public static func cdf(_ t: Double, degreesOfFreedom nu: Double) -> Double {
    guard t.isFinite else { return t.isNaN ? .nan : (t > 0 ? 1 : 0) }
    // P(|T| > |t|) = I_x(ν/2, 1/2) with x = ν / (ν + t²).
    let tail = regularizedIncompleteBeta(a: nu / 2, b: 0.5, x: nu / (nu + t * t))
    return t >= 0 ? 1 - tail / 2 : tail / 2
  }

  /// The two-sided p-value of a t statistic: P(|T| >= |t|).
  public static func twoSidedP(_ t: Double, degreesOfFreedom nu: Double) -> Double {
    guard !t.isNaN else { return .nan }
    guard t.isFinite else { return 0 }
    return regularizedIncompleteBeta(a: nu / 2, b: 0.5, x: nu / (nu + t * t))
  }

  /// The p-quantile (0 < p < 1): the t with cdf(t) = p, to about 1e-12 relative.
  public static func quantile(_ p: Double, degreesOfFreedom nu: Double) -> Double {
    guard p > 0, p < 1 else { return p == 1 ? .infinity : (p == 0 ? -.infinity : .nan) }
    if p < 0.5 { return -quantile(1 - p, degreesOfFreedom: nu) }
    var lo = 0.0, hi = 1.0
    while cdf(hi, degreesOfFreedom: nu) < p { hi *= 2; if hi > 1e300 { return .infinity } }
    for _ in 0..<200 {
      let mid = (lo + hi) / 2
      if cdf(mid, degreesOfFreedom: nu) < p { lo = mid } else { hi = mid }
      if hi - lo <= 1e-13 * max(1, hi) { break }
    }
    return (lo + hi) / 2
  }

  /// I_x(a, b), the regularized incomplete beta function, by Lentz's continued fraction
  /// (Numerical Recipes, 3rd ed., §6.4), using the symmetry I_x(a,b) = 1 − I_{1−x}(b,a)
  /// where the fraction converges slowly.
  static func regularizedIncompleteBeta(a: Double, b: Double, x: Double) -> Double {
    if x <= 0 { return 0 }
    if x >= 1 { return 1 }
    let logFront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log(1 - x)
    if x < (a + 1) / (a + b + 2) {
      return exp(logFront) * betaContinuedFraction(a: a, b: b, x: x) / a
    }
    return 1 - exp(logFront) * betaContinuedFraction(a: b, b: a, x: 1 - x) / b
  }

  private static func betaContinuedFraction(a: Double, b: Double, x: Double) -> Double {
    let tiny = 1e-300, eps = 1e-15
    var c = 1.0
    var d = 1 - (a + b) * x / (a + 1)
    if abs(d) < tiny { d = tiny }
    d = 1 / d
    var h = d
    for m in 1...10_000 {
      let m = Double(m), m2 = 2 * m
      // Even step.
      var aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2))
      d = 1 + aa * d; if abs(d) < tiny { d = tiny }
      c = 1 + aa / c; if abs(c) < tiny { c = tiny }
      d = 1 / d
      h *= d * c
      // Odd step.
      aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1))
      d = 1 + aa * d; if abs(d) < tiny { d = tiny }
      c = 1 + aa / c; if abs(c) < tiny { c = tiny }
      d = 1 / d
      let delta = d * c
      h *= delta
      if abs(delta - 1) < eps { break }
    }
    return h
  }
}
