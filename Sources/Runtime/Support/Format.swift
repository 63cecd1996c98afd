/// The one fixed-point number formatter (no Foundation): tables, progress bars, timings.
public enum Format {
  /// `x` with exactly `digits` decimals (`fixed(4.8, 1)` = "4.8", `fixed(2, 0)` = "2").
  public static func fixed(_ x: Double, _ digits: Int) -> String {
    guard x.isFinite else { return "\(x)" }
    var scale = 1.0
    for _ in 0..<max(0, digits) { scale *= 10 }
    let n = Int64((abs(x) * scale).rounded())
    let sign = x < 0 && n != 0 ? "-" : ""
    let whole = n / Int64(scale)
    guard digits > 0 else { return sign + "\(whole)" }
    let frac = String(n % Int64(scale))
    return sign + "\(whole)." + String(repeating: "0", count: digits - frac.count) + frac
  }
}
