#if canImport(Glibc)
import Glibc
#endif

extension Tensor: CustomStringConvertible {
  /// Tensors with more elements than this are shown with `...` between the first and last
  /// `edgeItems` of every long dimension (NumPy's summarisation, on one line).
  public static let summariseAbove = 100
  /// How many leading and trailing entries per dimension a summary shows.
  public static let edgeItems = 3

  /// One-line display, as the REPL echoes it: `tensor(shape: [2, 3]) [[1, 2, 3], [4, 5, 6]]`,
  /// a scalar as `tensor(3.5)`. Integral values print without a decimal point.
  public var description: String {
    if rank == 0 { return "tensor(\(Tensor.format(storage.base[0])))" }
    var s = "tensor(shape: \(Shape.describe(shape))) "
    let summarise = count > Tensor.summariseAbove
    appendNested(&s, dim: 0, offset: 0, strides: strides, summarise: summarise)
    return s
  }

  private func appendNested(_ s: inout String, dim: Int, offset: Int, strides: [Int], summarise: Bool) {
    let n = shape[dim], e = Tensor.edgeItems
    let elide = summarise && n > 2 * e
    s += "["
    var first = true
    for i in 0..<n {
      if elide, i >= e, i < n - e {
        if i == e { s += ", ..." }
        continue
      }
      if !first { s += ", " }
      first = false
      if dim == rank - 1 {
        s += Tensor.format(storage.base[offset + i])
      } else {
        appendNested(&s, dim: dim + 1, offset: offset + i * strides[dim], strides: strides, summarise: summarise)
      }
    }
    s += "]"
  }

  /// Formats one element NumPy-style: integral values without a decimal point, others with
  /// at most 4 decimals (trailing zeros dropped), and very small or large magnitudes in
  /// scientific notation.
  public static func format(_ v: Float) -> String {
    if v.isNaN { return "nan" }
    if v.isInfinite { return v < 0 ? "-inf" : "inf" }
    let a = Swift.abs(v)
    if v == v.rounded(), a < 1e16 { return String(Int64(v)) }
    if a >= 1e-4, a < 1e8 {
      var t = cFormat("%.4f", Double(v))
      while t.hasSuffix("0") { t.removeLast() }
      if t.hasSuffix(".") { t.removeLast() }
      if t == "-0" || t == "0" {
        return cFormat("%.4e", Double(v))
      }
      return t
    }
    // Scientific: mantissa trimmed of trailing zeros ("1.5e-07").
    let t = cFormat("%.4e", Double(v))
    guard let ePos = t.firstIndex(of: "e") else { return t }
    var mant = String(t[..<ePos])
    if mant.contains(".") {
      while mant.hasSuffix("0") { mant.removeLast() }
      if mant.hasSuffix(".") { mant.removeLast() }
    }
    return mant + t[ePos...]
  }

  private static func cFormat(_ f: String, _ v: Double) -> String {
    var buf = [CChar](repeating: 0, count: 64)
    _ = buf.withUnsafeMutableBufferPointer { p in
      withVaList([v]) { vsnprintf(p.baseAddress, 64, f, $0) }
    }
    return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }
}
