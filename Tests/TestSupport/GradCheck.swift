import Runtime

/// The outcome of `gradCheck`.
public struct GradCheckResult: CustomStringConvertible {
  /// Whether every analytic gradient element matched its finite difference within tolerance.
  public var ok: Bool
  /// The largest |analytic − numeric| over all checked elements.
  public var maxError: Double
  /// One line per mismatching element (first few), or a summary when all agree.
  public var report: String
  public var description: String { report }
}

/// Checks the gradients of `f` at `inputs` against central finite differences.
///
/// A fixed random projection P (normal, from `seed`) turns the output into the scalar
/// L = Σ f(x) ⊙ P, so every output element contributes and a non-scalar output is checked
/// fully. Analytic gradients come from `backward()` of L; numeric ones from
/// (L(x + eps·eᵢ) − L(x − eps·eᵢ)) / 2eps with L accumulated in Float64.
///
/// Only inputs with `requiresGrad` are checked (all of them when none has it). An element
/// passes when |analytic − numeric| ≤ atol + rtol · max(|analytic|, |numeric|). With Float32
/// forward passes and eps = 1e-2, the truncation error is O(eps²·f''') and the rounding
/// error about 1e-7·|L|/eps, so rtol = 1e-2, atol = 1e-3 is a sound default for O(1) inputs.
public func gradCheck(
  _ inputs: [Tensor], eps: Float = 1e-2, rtol: Double = 1e-2, atol: Double = 1e-3, seed: UInt64 = 0xC0FFEE,
  _ f: ([Tensor]) throws -> Tensor
) throws -> GradCheckResult {
  var checked = inputs.filter(\.requiresGrad)
  if checked.isEmpty {
    for t in inputs { t.requiresGrad = true }
    checked = inputs
  }
  for t in checked { t.grad = nil }
  let y = try f(inputs)
  var rng = RNG(seed: seed)
  let proj = (0..<y.count).map { _ in rng.normal() }
  let loss = try y.mul(Tensor(shape: y.shape, values: proj)).sum()
  try loss.backward()

  func projected() throws -> Double {
    let out = try GradMode.noGrad { try f(inputs) }
    let v = out.values
    var s: Double = 0
    for i in 0..<v.count { s += Double(v[i]) * Double(proj[i]) }
    return s
  }

  var maxError: Double = 0
  var failures: [String] = []
  var total = 0
  for (k, t) in checked.enumerated() {
    let analytic = t.grad?.values ?? [Float](repeating: 0, count: t.count)
    let b = t.buffer
    for i in 0..<t.count {
      let orig = b[i]
      b[i] = orig + eps
      let plus = try projected()
      b[i] = orig - eps
      let minus = try projected()
      b[i] = orig
      // Use the actually representable step (orig ± eps rounds in Float32).
      let h = Double(orig + eps) - Double(orig - eps)
      let numeric = (plus - minus) / h
      let a = Double(analytic[i])
      let err = Swift.abs(a - numeric)
      maxError = Swift.max(maxError, err)
      total += 1
      if !(err <= atol + rtol * Swift.max(Swift.abs(a), Swift.abs(numeric))) {
        if failures.count < 8 {
          failures.append("input \(k) element \(i) (x = \(orig)): analytic \(a), numeric \(numeric), error \(err)")
        }
      }
    }
  }
  if failures.isEmpty {
    return GradCheckResult(ok: true, maxError: maxError, report: "gradCheck ok: \(total) elements, max error \(maxError)")
  }
  return GradCheckResult(
    ok: false, maxError: maxError,
    report: "gradCheck failed (rtol \(rtol), atol \(atol)):\n" + failures.joined(separator: "\n"))
}

/// A tensor of normal samples from `rng`, optionally kept at least `margin` away from the
/// points in `avoid` (kinks such as 0 for relu/abs), so finite differences don't straddle them.
public func randomTensor(_ shape: [Int], _ rng: inout RNG, scale: Float = 1, avoid: [Float] = [], margin: Float = 0.05) -> Tensor {
  let n = Shape.count(shape)
  var v = [Float](repeating: 0, count: n)
  for i in 0..<n {
    var x = rng.normal() * scale
    while avoid.contains(where: { Swift.abs($0 - x) < margin }) { x = rng.normal() * scale }
    v[i] = x
  }
  return Tensor(shape: shape, values: v)
}

/// A tensor of uniform samples in [lo, hi).
public func uniformTensor(_ shape: [Int], _ rng: inout RNG, _ lo: Float, _ hi: Float) -> Tensor {
  Tensor(shape: shape, values: (0..<Shape.count(shape)).map { _ in lo + (hi - lo) * rng.uniform() })
}
