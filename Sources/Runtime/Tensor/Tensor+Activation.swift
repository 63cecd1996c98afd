// Unary elementwise functions and the softmax family. Backward rules use the saved input
// (x) or output (y), whichever gives the cheaper, more accurate derivative.
extension Tensor {
  /// `-x`.
  public func neg() throws -> Tensor { try unary("neg", AffineOp(scale: -1, shift: 0)) { g, _ in try g.neg() } }

  /// `eˣ`; backward g·y.
  public func exp() throws -> Tensor {
    let shape = self.shape
    return try unary("exp", ExpOp()) { g, out in try g.mul(Tensor(shape: shape, storage: out)) }
  }

  /// Natural logarithm (−inf at 0, NaN below); backward g/x.
  public func log() throws -> Tensor {
    let x = self
    return try unary("log", LogOp()) { g, _ in try g.div(x) }
  }

  /// Square root; backward g/(2y).
  public func sqrt() throws -> Tensor {
    try unary("sqrt", SqrtOp()) { g, out in try Tensor.gradMap(SqrtGradOp(), g, out, op: "sqrt") }
  }

  /// Absolute value; backward g·sign(x) (0 at 0).
  public func abs() throws -> Tensor {
    let x = self
    return try unary("abs", AbsOp()) { g, _ in try Tensor.gradMap(AbsGradOp(), g, x.storage, op: "abs") }
  }

  /// `x²`; backward 2gx.
  public func square() throws -> Tensor {
    let x = self
    return try unary("square", SquareOp()) { g, _ in try Tensor.gradMap(SquareGradOp(), g, x.storage, op: "square") }
  }

  /// `max(x, 0)`; backward passes g where x > 0.
  public func relu() throws -> Tensor { try leakyRelu(slope: 0, name: "relu") }

  /// `x` for x > 0, `slope·x` otherwise (slope 0.01 is PyTorch's default; 0.1 is the FixMatch WRN's).
  public func leakyRelu(slope: Float = 0.01) throws -> Tensor { try leakyRelu(slope: slope, name: "leakyRelu") }

  private func leakyRelu(slope: Float, name: String) throws -> Tensor {
    let x = self
    return try unary(name, LeakyReluOp(slope: slope)) { g, _ in
      try Tensor.gradMap(LeakyReluGradOp(slope: slope), g, x.storage, op: name)
    }
  }

  /// Logistic sigmoid 1/(1+e⁻ˣ), overflow-free; backward g·y(1−y).
  public func sigmoid() throws -> Tensor {
    try unary("sigmoid", SigmoidOp()) { g, out in try Tensor.gradMap(SigmoidGradOp(), g, out, op: "sigmoid") }
  }

  /// GELU, the exact form x·Φ(x) = x(1 + erf(x/√2))/2 (PyTorch's default `gelu`, not the tanh
  /// approximation); backward g(Φ(x) + x·φ(x)) from the saved input.
  public func gelu() throws -> Tensor {
    let x = self
    return try unary("gelu", GeluOp()) { g, _ in try Tensor.gradMap(GeluGradOp(), g, x.storage, op: "gelu") }
  }

  /// Hyperbolic tangent; backward g(1−y²).
  public func tanh() throws -> Tensor {
    try unary("tanh", TanhOp()) { g, out in try Tensor.gradMap(TanhGradOp(), g, out, op: "tanh") }
  }

  /// Clamps into [lo, hi]; the gradient passes where lo ≤ x ≤ hi (as PyTorch's clamp).
  public func clip(_ lo: Float, _ hi: Float) throws -> Tensor {
    guard !(lo > hi) else {
      throw RuntimeError.invalidArgument(op: "clip", message: "lower bound \(lo) is greater than upper bound \(hi)")
    }
    let x = self
    return try unary("clip", ClipOp(lo: lo, hi: hi)) { g, _ in
      try Tensor.gradMap(ClipGradOp(lo: lo, hi: hi), g, x.storage, op: "clip")
    }
  }

  // MARK: - Softmax

  /// Softmax along `axis` (default last), numerically stable (the row maximum is subtracted).
  ///
  /// Backward: dx = y ⊙ (g − Σ_axis g⊙y).
  public func softmax(axis: Int = -1) throws -> Tensor { try softmaxFamily(axis: axis, log: false) }

  /// log(softmax(x)) along `axis`, computed as x − max − log Σ exp(x − max).
  ///
  /// Backward: dx = g − softmax(x) · Σ_axis g.
  public func logSoftmax(axis: Int = -1) throws -> Tensor { try softmaxFamily(axis: axis, log: true) }

  private func softmaxFamily(axis: Int, log: Bool) throws -> Tensor {
    let name = log ? "logSoftmax" : "softmax"
    let (outer, n, inner) = try Shape.split(shape, axis: axis, op: name)
    let out = try Tensor.allocate(count, op: name)
    softmaxAxis(storage.base, outer: outer, n: n, inner: inner, log: log, out.base)
    let shape = self.shape
    return Tensor.result(shape: shape, storage: out, inputs: [self]) { g in
      let dx = try Tensor.empty(shape, op: name)
      softmaxBackwardAxis(g.storage.base, out.base, outer: outer, n: n, inner: inner, log: log, dx.storage.base)
      return [dx]
    }
  }
}
