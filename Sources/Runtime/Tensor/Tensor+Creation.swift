// Constructors: constant fills, ranges, identity and seeded random tensors.
extension Tensor {
  /// A tensor of zeros.
  public static func zeros(_ shape: [Int]) throws -> Tensor { try full(shape, 0, op: "zeros") }

  /// A tensor of ones.
  public static func ones(_ shape: [Int]) throws -> Tensor { try full(shape, 1, op: "ones") }

  /// A tensor filled with `value`.
  public static func full(_ shape: [Int], _ value: Float) throws -> Tensor { try full(shape, value, op: "full") }

  private static func full(_ shape: [Int], _ value: Float, op: String) throws -> Tensor {
    try Shape.validate(shape, op: op)
    let t = try empty(shape, op: op)
    t.storage.base.update(repeating: value, count: t.count)
    return t
  }

  /// Values `start, start+step, ...` below `end` (NumPy's `arange`); with `end` nil the
  /// range is `0..<start`. Elements are computed in Float64 as start + i·step.
  public static func arange(_ start: Double, _ end: Double? = nil, _ step: Double = 1) throws -> Tensor {
    let (lo, hi) = end.map { (start, $0) } ?? (0, start)
    guard step != 0, step.isFinite, lo.isFinite, hi.isFinite else {
      throw RuntimeError.invalidArgument(op: "arange", message: "start, end and step must be finite and step nonzero (got \(lo), \(hi), \(step))")
    }
    let steps = ((hi - lo) / step).rounded(.up)
    guard steps < Double(Int32.max) else {
      throw RuntimeError.resourceLimit(message: "arange: \(steps) elements is too many")
    }
    let n = steps > 0 ? Int(steps) : 0
    try Shape.validate([n], op: "arange")
    let t = try empty([n], op: "arange")
    for i in 0..<n { t.storage.base[i] = Float(lo + Double(i) * step) }
    return t
  }

  /// The n×n identity matrix.
  public static func eye(_ n: Int) throws -> Tensor {
    try Shape.validate([n, n], op: "eye")
    let t = try empty([n, n], op: "eye", zeroed: true)
    for i in 0..<n { t.storage.base[i * n + i] = 1 }
    return t
  }

  /// Uniform samples in [0, 1) from `rng` (deterministic for a seed).
  public static func rand(_ shape: [Int], rng: inout RNG) throws -> Tensor {
    try Shape.validate(shape, op: "rand")
    let t = try empty(shape, op: "rand")
    for i in 0..<t.count { t.storage.base[i] = rng.uniform() }
    return t
  }

  /// Standard normal samples from `rng` (deterministic for a seed).
  public static func randn(_ shape: [Int], rng: inout RNG) throws -> Tensor {
    try Shape.validate(shape, op: "randn")
    let t = try empty(shape, op: "randn")
    for i in 0..<t.count { t.storage.base[i] = rng.normal() }
    return t
  }
}
