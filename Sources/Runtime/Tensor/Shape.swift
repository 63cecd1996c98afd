/// Shape helpers shared by every op: element counts, row-major strides, axis
/// normalisation and NumPy broadcasting.
public enum Shape {
  /// The number of elements of a shape (1 for a scalar `[]`).
  @inline(__always) public static func count(_ shape: [Int]) -> Int { shape.reduce(1, *) }

  /// Row-major (C order) strides of a contiguous tensor.
  public static func strides(_ shape: [Int]) -> [Int] {
    var s = [Int](repeating: 1, count: shape.count)
    var acc = 1
    for i in stride(from: shape.count - 1, through: 0, by: -1) {
      s[i] = acc
      acc *= shape[i]
    }
    return s
  }

  /// `[2, 3]` as users see it.
  public static func describe(_ shape: [Int]) -> String {
    "[" + shape.map(String.init).joined(separator: ", ") + "]"
  }

  /// Normalises a possibly negative axis for a tensor of rank `rank`.
  public static func axis(_ axis: Int, rank: Int, op: String) throws -> Int {
    let a = axis < 0 ? axis + rank : axis
    guard a >= 0, a < max(rank, 1) else {
      throw RuntimeError.invalidArgument(op: op, message: "axis \(axis) is out of range for a tensor of rank \(rank)")
    }
    return a
  }

  /// The NumPy broadcast of two shapes, or a `shapeMismatch` error naming `op`.
  public static func broadcast(_ a: [Int], _ b: [Int], op: String) throws -> [Int] {
    let n = max(a.count, b.count)
    var out = [Int](repeating: 1, count: n)
    for i in 0..<n {
      let da = i < n - a.count ? 1 : a[i - (n - a.count)]
      let db = i < n - b.count ? 1 : b[i - (n - b.count)]
      if da == db || db == 1 { out[i] = da } else if da == 1 { out[i] = db } else {
        throw RuntimeError.shapeMismatch(op: op, shapes: [a, b], detail: "cannot be broadcast together")
      }
    }
    return out
  }

  /// Checks that a user-given shape is valid (non-negative sizes, bounded element count).
  public static func validate(_ shape: [Int], op: String) throws {
    var total = 1
    for d in shape {
      guard d >= 0 else {
        throw RuntimeError.invalidArgument(op: op, message: "negative dimension \(d) in shape \(describe(shape))")
      }
      let (m, overflow) = total.multipliedReportingOverflow(by: d)
      guard !overflow else { throw RuntimeError.resourceLimit(message: "\(op): shape \(describe(shape)) is too large") }
      total = m
    }
    try MemoryLimit.check(elements: total, op: op)
  }
}
