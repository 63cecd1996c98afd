/// Stochastic gradient descent with momentum, Nesterov and L2 weight decay, exactly as
/// PyTorch's `torch.optim.SGD` (dampening 0):
///
///     g = grad + weightDecay·p              (skipped for parameters in `noDecay`)
///     buf = g on the first step, then momentum·buf + g
///     g = g + momentum·buf  (Nesterov)  or  g = buf
///     p = p - lr·g
///
/// Defaults are the SSL recipe (USB/FixMatch: momentum 0.9, Nesterov, 5e-4). USB exempts
/// batch-norm weights, biases and every 1-D parameter from decay: pass
/// `noDecay: model.noDecayParameters`.
public final class SGD: Optimizer {
  public var lr: Float
  public let parameters: [Tensor]
  public let momentum: Float
  public let nesterov: Bool
  public let weightDecay: Float
  private let decays: [Bool]
  private var buffers: [Tensor?]

  /// Creates the optimizer; throws on a negative rate or Nesterov without momentum.
  public init(parameters: [Tensor], lr: Float, momentum: Float = 0.9, nesterov: Bool = true,
              weightDecay: Float = 5e-4, noDecay: [Tensor] = []) throws {
    guard lr >= 0, momentum >= 0, weightDecay >= 0 else {
      throw RuntimeError.invalidArgument(op: "sgd", message: "lr, momentum and weight_decay must be non-negative (got \(lr), \(momentum), \(weightDecay))")
    }
    guard !nesterov || momentum > 0 else {
      throw RuntimeError.invalidArgument(op: "sgd", message: "Nesterov momentum needs momentum > 0")
    }
    self.parameters = parameters
    self.lr = lr
    self.momentum = momentum
    self.nesterov = nesterov
    self.weightDecay = weightDecay
    let exempt = Set(noDecay.map { ObjectIdentifier($0) })
    decays = parameters.map { !exempt.contains(ObjectIdentifier($0)) }
    buffers = Array(repeating: nil, count: parameters.count)
  }

  public func step() throws {
    for (i, p) in parameters.enumerated() {
      guard let grad = p.grad else { continue }
      guard grad.shape == p.shape else {
        throw RuntimeError.shapeMismatch(op: "sgd", shapes: [grad.shape, p.shape], detail: "differ: gradient does not fit its parameter")
      }
      let w = p.buffer, g = grad.buffer, n = w.count
      let wd = decays[i] ? weightDecay : 0, lr = self.lr, mom = momentum
      if mom == 0 {
        for j in 0..<n { w[j] -= lr * (g[j] + wd * w[j]) }
        continue
      }
      if buffers[i] == nil {
        let b = Tensor(zeros: p.shape, zeroed: false)
        let bb = b.buffer
        for j in 0..<n { bb[j] = g[j] + wd * w[j] }
        buffers[i] = b
        for j in 0..<n { w[j] -= lr * (nesterov ? bb[j] + mom * bb[j] : bb[j]) }
        continue
      }
      guard let bb = buffers[i]?.buffer else { continue }
      if nesterov {
        for j in 0..<n {
          let d = g[j] + wd * w[j]
          let b = mom * bb[j] + d
          bb[j] = b
          w[j] -= lr * (d + mom * b)
        }
      } else {
        for j in 0..<n {
          let b = mom * bb[j] + g[j] + wd * w[j]
          bb[j] = b
          w[j] -= lr * b
        }
      }
    }
  }

  public func exportState() -> [String: Tensor] {
    var s: [String: Tensor] = [:]
    for (i, b) in buffers.enumerated() { if let b { s["momentum.\(i)"] = b.copy() } }
    return s
  }

  public func importState(_ state: [String: Tensor]) throws {
    var next: [Tensor?] = []
    for (i, p) in parameters.enumerated() {
      next.append(try checkedState(state, "momentum.\(i)", like: p, op: "sgd"))
    }
    buffers = next
  }
}
