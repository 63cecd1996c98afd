#if canImport(Glibc)
import Glibc
#endif

/// Adam as PyTorch's `torch.optim.Adam` (amsgrad off; weight decay as L2 added to the
/// gradient): m = β1·m + (1-β1)·g, v = β2·v + (1-β2)·g², and
/// p -= lr/(1-β1ᵗ) · m / (√v/√(1-β2ᵗ) + eps).
public final class Adam: Optimizer {
  public var lr: Float
  public let parameters: [Tensor]
  public let beta1: Float, beta2: Float, eps: Float, weightDecay: Float
  private var m: [Tensor?], v: [Tensor?]
  private var steps: [Int]

  /// Creates the optimizer with PyTorch's defaults (lr 1e-3, betas (0.9, 0.999), eps 1e-8).
  public init(parameters: [Tensor], lr: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
              eps: Float = 1e-8, weightDecay: Float = 0) throws {
    guard lr >= 0, eps >= 0, weightDecay >= 0, (0..<1).contains(beta1), (0..<1).contains(beta2) else {
      throw RuntimeError.invalidArgument(op: "adam", message: "needs lr, eps, weight_decay >= 0 and betas in [0, 1) (got lr \(lr), betas (\(beta1), \(beta2)), eps \(eps))")
    }
    self.parameters = parameters
    self.lr = lr
    self.beta1 = beta1; self.beta2 = beta2; self.eps = eps; self.weightDecay = weightDecay
    m = Array(repeating: nil, count: parameters.count)
    v = Array(repeating: nil, count: parameters.count)
    steps = Array(repeating: 0, count: parameters.count)
  }

  public func step() throws {
    for (i, p) in parameters.enumerated() {
      guard let grad = p.grad else { continue }
      guard grad.shape == p.shape else {
        throw RuntimeError.shapeMismatch(op: "adam", shapes: [grad.shape, p.shape], detail: "differ: gradient does not fit its parameter")
      }
      if m[i] == nil { m[i] = Tensor(zeros: p.shape); v[i] = Tensor(zeros: p.shape) }
      guard let mb = m[i]?.buffer, let vb = v[i]?.buffer else { continue }
      steps[i] += 1
      let t = Double(steps[i])
      let bc1 = 1 - pow(Double(beta1), t), bc2 = 1 - pow(Double(beta2), t)
      let stepSize = Float(Double(lr) / bc1), bc2Sqrt = Float(bc2.squareRoot())
      let w = p.buffer, g = grad.buffer, b1 = beta1, b2 = beta2, wd = weightDecay, e = eps
      for j in 0..<w.count {
        let d = g[j] + wd * w[j]
        mb[j] = b1 * mb[j] + (1 - b1) * d
        vb[j] = b2 * vb[j] + (1 - b2) * d * d
        w[j] -= stepSize * mb[j] / (vb[j].squareRoot() / bc2Sqrt + e)
      }
    }
  }

  public func exportState() -> [String: Tensor] {
    var s: [String: Tensor] = [:]
    for i in parameters.indices {
      guard let mi = m[i], let vi = v[i] else { continue }
      s["exp_avg.\(i)"] = mi.copy()
      s["exp_avg_sq.\(i)"] = vi.copy()
      s["step.\(i)"] = Tensor(scalar: Float(steps[i]))
    }
    return s
  }

  public func importState(_ state: [String: Tensor]) throws {
    var nm: [Tensor?] = [], nv: [Tensor?] = [], ns: [Int] = []
    for (i, p) in parameters.enumerated() {
      let a = try checkedState(state, "exp_avg.\(i)", like: p, op: "adam")
      let b = try checkedState(state, "exp_avg_sq.\(i)", like: p, op: "adam")
      guard (a == nil) == (b == nil) else {
        throw RuntimeError.invalidArgument(op: "adam", message: "saved state has only one of exp_avg.\(i) and exp_avg_sq.\(i)")
      }
      nm.append(a); nv.append(b)
      let s = try state["step.\(i)"]?.item() ?? 0
      guard s >= 0, s < 1e9, s == s.rounded() else {
        throw RuntimeError.invalidArgument(op: "adam", message: "saved step.\(i) is not a step count: \(s)")
      }
      ns.append(a == nil ? 0 : Int(s))
    }
    m = nm; v = nv; steps = ns
  }
}
