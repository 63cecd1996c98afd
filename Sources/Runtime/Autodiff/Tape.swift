/// One recorded op: its inputs and the closure that maps the output gradient to the
/// input gradients (the forward op's code sits beside its backward, micrograd style).
final class TapeNode {
  /// Emptied once the node's backward has run, so each activation is freed as soon as the
  /// last op that needs it has been differentiated (not only when the loss goes away).
  var inputs: [Tensor]
  var backward: ((Tensor) throws -> [Tensor?])?
  init(inputs: [Tensor], backward: @escaping (Tensor) throws -> [Tensor?]) {
    self.inputs = inputs
    self.backward = backward
  }
}

extension Tensor {
  /// Reverse-mode autodiff from this tensor.
  ///
  /// Visits the tape in reverse topological order, accumulating gradients; leaves that
  /// require grad get `grad` set (added to any existing gradient, as PyTorch does, so call
  /// `zeroGrad` between steps). The graph is freed afterwards: a second `backward()`
  /// through the same ops is an error.
  /// - Parameter gradient: seed gradient; defaults to 1 for a one-element tensor.
  public func backward(_ gradient: Tensor? = nil) throws {
    guard requiresGrad else {
      throw RuntimeError.autodiff(message: "the tensor does not require grad (no parameter contributes to it)")
    }
    let seed: Tensor
    if let g = gradient {
      guard g.shape == shape else {
        throw RuntimeError.shapeMismatch(op: "backward", shapes: [shape, g.shape], detail: "differ (gradient must match the output)")
      }
      seed = g
    } else {
      guard count == 1 else {
        throw RuntimeError.autodiff(message: "the output has shape \(Shape.describe(shape)); backward() without a gradient needs a one-element loss")
      }
      seed = Tensor(shape: shape, values: [1])
    }

    // Iterative DFS topological order (deep graphs must not overflow the stack).
    var order: [Tensor] = []
    var visited = Set<ObjectIdentifier>()
    var stack: [(Tensor, Bool)] = [(self, false)]
    while let (t, expanded) = stack.popLast() {
      if expanded { order.append(t); continue }
      if visited.contains(ObjectIdentifier(t)) { continue }
      visited.insert(ObjectIdentifier(t))
      stack.append((t, true))
      if let node = t.node {
        for p in node.inputs where p.requiresGrad && !visited.contains(ObjectIdentifier(p)) {
          stack.append((p, false))
        }
      }
    }

    var grads: [ObjectIdentifier: Tensor] = [ObjectIdentifier(self): seed]
    // Optional slots so a visited tensor is released from the walk's own list too.
    var pending: [Tensor?] = order.reversed()
    order = []
    try GradMode.noGrad {
      for i in pending.indices {
        guard let t = pending[i] else { continue }
        pending[i] = nil
        guard let g = grads.removeValue(forKey: ObjectIdentifier(t)) else { continue }
        guard let node = t.node else {
          if t.requiresGrad { t.accumulateGrad(g) }
          continue
        }
        guard let fn = node.backward else {
          throw RuntimeError.autodiff(message: "the graph was already freed by an earlier backward(); recompute the loss")
        }
        let inputGrads = try fn(g)
        for (p, pg) in zip(node.inputs, inputGrads) where p.requiresGrad {
          guard let pg else { continue }
          let key = ObjectIdentifier(p)
          if let existing = grads[key] {
            grads[key] = Tensor.addSameShape(existing, pg)
          } else {
            grads[key] = pg
          }
        }
        node.backward = nil
        node.inputs = []
      }
    }
  }

  /// Adds `g` into `grad` (creating it), in place.
  func accumulateGrad(_ g: Tensor) {
    if let existing = grad {
      let d = existing.buffer, s = g.buffer
      for i in 0..<d.count { d[i] += s[i] }
    } else {
      grad = g.copy()  // g may alias another tensor's storage
    }
  }

  /// Elementwise sum of two same-shape tensors into new storage (gradient accumulation).
  static func addSameShape(_ a: Tensor, _ b: Tensor) -> Tensor {
    let out = Tensor(zeros: a.shape, zeroed: false)
    let o = out.buffer, x = a.buffer, y = b.buffer
    for i in 0..<o.count { o[i] = x[i] + y[i] }
    return out
  }
}
