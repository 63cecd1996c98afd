#if canImport(Glibc)
import Glibc
#endif

/// "Nice" axis ticks: steps of 1, 2 or 5 times a power of ten, with labels written exactly
/// from integers (no `0.30000000000000004`), switching to `1.5e-07` style for very large or
/// very small magnitudes.
///
///     let t = Ticks(min: 0.13, max: 0.87)
///     t.values   // [0.1, 0.2, ..., 0.9]     t.labels   // ["0.1", "0.2", ..., "0.9"]
///     t.lo, t.hi // 0.1, 0.9: the axis range, widened to whole steps
public struct Ticks: Sendable, Equatable {
  /// Tick positions, ascending.
  public let values: [Double]
  /// A label per tick, with a common number of decimals.
  public let labels: [String]
  /// The axis range: the data range widened outward to whole steps.
  public let lo: Double
  /// The axis range: the data range widened outward to whole steps.
  public let hi: Double
  /// Distance between ticks.
  public let step: Double

  /// One tick per category at 0, 1, ..., labelled with its name; the axis runs half a step
  /// past the first and last (the rows of an interval chart).
  init(categories names: [String]) {
    values = names.indices.map(Double.init)
    labels = names
    lo = -0.5
    hi = Double(names.count) - 0.5
    step = 1
  }

  /// Ticks covering `[min, max]` with about `target` intervals.
  ///
  /// Non-finite bounds are ignored (no finite data gives the range [0, 1]); a constant range
  /// `v..v` is widened to show `v` in the middle; `integer` keeps the step at least 1 (counts,
  /// training steps).
  public init(min lo0: Double, max hi0: Double, target: Int = 5, integer: Bool = false) {
    var lo = lo0, hi = hi0
    if !lo.isFinite && !hi.isFinite { (lo, hi) = (0, 1) }
    if !lo.isFinite { lo = hi }
    if !hi.isFinite { hi = lo }
    if lo > hi { swap(&lo, &hi) }
    // Keep magnitudes where Double arithmetic on steps stays exact enough.
    lo = Swift.max(lo, -1e300)
    hi = Swift.min(hi, 1e300)
    if hi - lo <= Swift.max(abs(lo), abs(hi)) * 1e-12 || hi == lo {
      let pad = lo == 0 ? 1 : abs(lo) * 0.1
      let p = integer ? Swift.max(pad, 1) : pad
      (lo, hi) = (lo - p, hi + p)
    }
    let (mult, exp) = Ticks.niceStep(span: hi - lo, target: Swift.max(target, 1), integer: integer)
    let step = Double(mult) * Ticks.pow10(exp)
    let k0 = (lo / step + 1e-9).rounded(.down), k1 = (hi / step - 1e-9).rounded(.up)
    var ks: [Double] = []
    var k = k0
    while k <= k1, ks.count < 1000 {
      ks.append(k)
      k += 1
    }
    self.step = step
    self.values = ks.map { $0 * Double(mult) * Ticks.pow10(exp) }
    self.lo = values.first ?? lo
    self.hi = values.last ?? hi
    let maxAbs = Swift.max(abs(k0), abs(k1)) * step
    let sci = maxAbs >= 1e7 || maxAbs < 1e-3
    self.labels = ks.map { Ticks.label(integer: $0 * Double(mult), exp: exp, scientific: sci) }
  }

  /// Ticks for a logarithmic axis, in log10 units: one tick per power of ten covering
  /// `[minLog, maxLog]` (every 2nd, 5th, ... when there are many), labelled with the powers
  /// themselves (`0.01`, `1`, `1000`, `1e+06`).
  public static func decades(minLog: Double, maxLog: Double) -> Ticks {
    var lo = minLog.isFinite ? Glibc.floor(minLog + 1e-9) : 0
    var hi = maxLog.isFinite ? Glibc.ceil(maxLog - 1e-9) : lo + 1
    if !minLog.isFinite { lo = hi - 1 }
    lo = Swift.max(Swift.min(lo, 300), -300)
    hi = Swift.max(Swift.min(hi, 300), -300)
    if hi <= lo { hi = lo + 1 }
    let n = Int(hi - lo)
    let every = n <= 8 ? 1 : (n <= 16 ? 2 : (n <= 40 ? 5 : (n / 8)))
    let first = Int(Glibc.floor(lo / Double(every))) * every, last = Int(Glibc.ceil(hi / Double(every))) * every
    let ks = Array(stride(from: first, through: last, by: every))
    let labels = ks.map { label(integer: 1, exp: $0, scientific: abs($0) >= 5) }
    return Ticks(values: ks.map(Double.init), labels: labels, step: Double(every))
  }

  init(values: [Double], labels: [String], step: Double) {
    self.values = values
    self.labels = labels
    self.step = step
    lo = values.first ?? 0
    hi = values.last ?? 1
  }

  /// The nice step for `span` over about `target` intervals, as `mult * 10^exp` with mult 1, 2 or 5.
  static func niceStep(span: Double, target: Int, integer: Bool) -> (Int, Int) {
    let raw = span / Double(target)
    var exp = Int(floor(log10(raw)))
    let f = raw / pow10(exp)
    var mult: Int
    if f < 1.5 { mult = 1 } else if f < 3.5 { mult = 2 } else if f < 7.5 { mult = 5 } else { mult = 1; exp += 1 }
    if integer, exp < 0 { (mult, exp) = (1, 0) }
    return (mult, exp)
  }

  static func pow10(_ e: Int) -> Double { Glibc.pow(10, Double(e)) }

  /// `n * 10^exp` written exactly from the integer `n`.
  static func label(integer n: Double, exp: Int, scientific: Bool) -> String {
    if n == 0 { return scientific || exp >= 0 ? "0" : "0." + String(repeating: "0", count: -exp) }
    let neg = n < 0
    var s = String(Int64(abs(n)))
    if scientific {
      // Normalise to d.ddd e(E).
      let e = exp + s.count - 1
      while s.count > 1, s.hasSuffix("0") { s.removeLast() }
      let mant = s.count > 1 ? s.prefix(1) + "." + s.dropFirst() : s
      let es = e < 0 ? "-" + (-e < 10 ? "0" : "") + String(-e) : "+" + (e < 10 ? "0" : "") + String(e)
      return (neg ? "-" : "") + mant + "e" + es
    }
    if exp >= 0 {
      s += String(repeating: "0", count: exp)
    } else {
      let d = -exp
      if s.count <= d { s = String(repeating: "0", count: d - s.count + 1) + s }
      s.insert(".", at: s.index(s.endIndex, offsetBy: -d))
    }
    return (neg ? "-" : "") + s
  }
}
