import Runtime

/// Relative + absolute tolerance comparison; not transitive, see swift-numerics.
public func isClose(_ a: Float, _ b: Float, rtol: Float = 1e-4, atol: Float = 1e-5) -> Bool {
  if a.isNaN || b.isNaN { return false }
  return abs(a - b) <= atol + rtol * max(abs(a), abs(b))
}

/// The largest elementwise |a - b| / (atol/rtol + max(|a|, |b|)) style mismatch, for messages.
public func maxAbsDiff(_ a: [Float], _ b: [Float]) -> Float {
  zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

/// Whether two arrays agree elementwise within tolerance.
public func allClose(_ a: [Float], _ b: [Float], rtol: Float = 1e-4, atol: Float = 1e-5) -> Bool {
  a.count == b.count && zip(a, b).allSatisfy { isClose($0, $1, rtol: rtol, atol: atol) }
}
