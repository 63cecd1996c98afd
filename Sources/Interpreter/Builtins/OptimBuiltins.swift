import Runtime

/// An optimizer as a language value (`sgd(...)`, `adam(...)`); `opt.lr` reads the rate.
final class OptimizerObject: NativeObject {
  let optimizer: any Optimizer
  let kind: String
  init(_ optimizer: any Optimizer, kind: String) { self.optimizer = optimizer; self.kind = kind }

  var typeName: String { "optimizer" }
  var summary: String {
    "optimizer(\(kind), lr \(Value.formatNumber(OptimBindings.shortest(optimizer.lr))), \(optimizer.parameters.count) parameter tensors)"
  }
  var memberNames: [String] { ["lr", "kind"] }
  func member(_ name: String) throws -> Value? {
    switch name {
    case "lr": return .number(OptimBindings.shortest(optimizer.lr))
    case "kind": return .string(kind)
    default: return nil
    }
  }
}

extension BuiltinRegistry {
  static func registerOptim(_ r: BuiltinRegistry) {
    let c = "optim"
    r.add("sgd(params, lr:, momentum: 0.9, nesterov: true, weight_decay: 5e-4)", category: c,
          doc: "SGD with momentum, Nesterov and L2 weight decay, exactly as PyTorch's torch.optim.SGD.",
          help: "params is a list of tensors (params(m)) or a model. Given a model, biases and batch-norm parameters (rank <= 1) are exempt from weight decay as in USB; given a list, every tensor is decayed as in PyTorch.",
          example: "m = mlp([4, 2])\nopt = sgd(params(m), lr: 0.1)") { a in
      let (ps, noDecay) = try OptimBindings.parameters(&a, 0)
      let opt = try SGD(parameters: ps, lr: try OptimBindings.rate(&a, 1), momentum: Float(try a.number(2)),
                        nesterov: try a.bool(3), weightDecay: Float(try a.number(4)), noDecay: noDecay)
      return .object(OptimizerObject(opt, kind: "sgd"))
    }
    r.add("adam(params, lr: 0.001, weight_decay: 0)", category: c, doc: "Adam as PyTorch's torch.optim.Adam (betas 0.9, 0.999; eps 1e-8).",
          example: "opt = adam(params(mlp([4, 2])), lr: 0.01)") { a in
      let (ps, _) = try OptimBindings.parameters(&a, 0)
      let opt = try Adam(parameters: ps, lr: try OptimBindings.rate(&a, 1), weightDecay: Float(try a.number(2)))
      return .object(OptimizerObject(opt, kind: "adam"))
    }
    r.add("step(opt)", category: c, doc: "Applies one update from the parameters' accumulated gradients.",
          help: "Parameters without a gradient (not reached by the last backward) are left alone.",
          example: "w = param(tensor([1.0]))\nopt = sgd([w], lr: 0.5, momentum: 0, nesterov: false, weight_decay: 0)\nbackward(sum(w * w))\nstep(opt)\nw") { a in
      try a.object(0, as: OptimizerObject.self, expected: "optimizer").optimizer.step()
      return .null
    }
    r.add("zero_grad(opt)", category: c, doc: "Clears the gradients of the optimizer's parameters (call it before each backward).",
          example: "opt = sgd(params(mlp([4, 2])), lr: 0.1)\nzero_grad(opt)") { a in
      try a.object(0, as: OptimizerObject.self, expected: "optimizer").optimizer.zeroGrad()
      return .null
    }
    r.add("set_lr(opt, lr)", category: c, doc: "Sets the learning rate of the next steps.",
          example: "opt = sgd(params(mlp([4, 2])), lr: 0.1)\nset_lr(opt, cosine_lr(10, 100, 0.1))\nopt.lr") { a in
      let o = try a.object(0, as: OptimizerObject.self, expected: "optimizer")
      o.optimizer.lr = try OptimBindings.rate(&a, 1)
      return .null
    }
    r.add("cosine_lr(step, total, base)", category: c, doc: "FixMatch's cosine schedule: base·cos(7π·step / (16·total)).",
          help: "step counts from 0; the rate ends near 0.2·base instead of 0.",
          example: "cosine_lr(500, 1000, 0.03)") { a in
      let s = try a.int(0)
      guard s >= 0 else { throw a.error(0, "non-negative step expected, got \(s)") }
      let sched = try CosineSchedule(base: Float(try a.number(2)), totalSteps: try a.int(1))
      return .number(OptimBindings.shortest(sched.lr(step: s)))
    }
  }
}

enum OptimBindings {
  /// A Float rate as the Double with the same shortest decimal form (0.1, not 0.100000001).
  static func shortest(_ x: Float) -> Double { Double("\(x)") ?? Double(x) }

  /// Parameters from a list of tensors or a model, and the ones exempt from decay.
  static func parameters(_ a: inout Arguments, _ i: Int) throws(ScriptError) -> ([Tensor], [Tensor]) {
    if case .object(let o) = a[i] {
      if let m = o as? ModelObject { return (m.model.parameters, m.model.noDecayParameters) }
      if let l = o as? LayerObject { return (l.layer.parameters, []) }
    }
    guard case .list = a[i] else { throw a.typeError(i, "list of tensors or model") }
    let ps = try a.tensorList(i)
    for p in ps where !p.requiresGrad {
      throw a.error(i, "every tensor must require grad (make it with param(t)); got one of shape \(Shape.describe(p.shape)) that does not")
    }
    return (ps, [])
  }

  static func rate(_ a: inout Arguments, _ i: Int) throws(ScriptError) -> Float {
    let v = try a.number(i)
    guard v >= 0, v.isFinite else { throw a.error(i, "non-negative learning rate expected, got \(Value.formatNumber(v))") }
    return Float(v)
  }
}
