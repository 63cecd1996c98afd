extension Shape {
  /// Views `shape` as [outer, n, inner] around `axis` (negative counts from the end), the
  /// layout every single-axis reduction kernel works on. A scalar is [1, 1, 1].
  public static func split(_ shape: [Int], axis: Int, op: String) throws -> (outer: Int, n: Int, inner: Int) {
    if shape.isEmpty {
      guard axis == 0 || axis == -1 else {
        throw RuntimeError.invalidArgument(op: op, message: "axis \(axis) is out of range for a tensor of rank 0")
      }
      return (1, 1, 1)
    }
    let a = try Shape.axis(axis, rank: shape.count, op: op)
    return (count(Array(shape[..<a])), shape[a], count(Array(shape[(a + 1)...])))
  }
}
