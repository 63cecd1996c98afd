#if canImport(Glibc)
import Glibc
#endif

/// How a per-sample loss is reduced to the returned tensor.
public enum Reduction: String, Sendable, CaseIterable {
  /// One loss per sample, shape [N].
  case none
  /// Sum of the per-sample losses divided by N (also when weighted, as FixMatch's masked mean).
  case mean
  /// Sum of the per-sample losses.
  case sum
}

extension Tensor {
  /// One-hot rows: `[N] labels -> [N, classes]` with 1 at each label.
  public static func oneHot(_ labels: [Int], classes: Int) throws -> Tensor {
    guard classes > 0 else {
      throw RuntimeError.invalidArgument(op: "oneHot", message: "the number of classes must be positive, got \(classes)")
    }
    try Shape.validate([labels.count, classes], op: "oneHot")
    let out = try Tensor.empty([labels.count, classes], op: "oneHot", zeroed: true)
    for (i, y) in labels.enumerated() {
      guard y >= 0, y < classes else {
        throw RuntimeError.invalidArgument(op: "oneHot", message: "label \(y) is out of range for \(classes) classes")
      }
      out.storage.base[i * classes + y] = 1
    }
    return out
  }

  /// Checks logits `[N, C]` and optional per-sample weights `[N]`.
  private func crossEntropyShapes(_ weights: Tensor?) throws -> (n: Int, c: Int) {
    guard rank == 2 else {
      throw RuntimeError.invalidArgument(op: "crossEntropy", message: "expected logits of shape [N, C], got \(Shape.describe(shape))")
    }
    if let w = weights, w.shape != [shape[0]] {
      throw RuntimeError.shapeMismatch(op: "crossEntropy", shapes: [shape, w.shape], detail: "do not match (weights must be [N] for logits [N, C])")
    }
    return (shape[0], shape[1])
  }

  /// Cross-entropy of logits `[N, C]` against hard labels, fused with log-softmax.
  ///
  /// loss_i = w_i · (logsumexp(x_i) − x_i[y_i]). With `.mean` the result is Σ loss_i / N
  /// (PyTorch's unweighted mean; with weights, the masked mean FixMatch uses).
  /// Backward: dx_i = g_i · w_i · (softmax(x_i) − onehot(y_i)).
  /// - Parameters:
  ///   - labels: N class indices in 0..<C.
  ///   - weights: optional per-sample weights `[N]` (e.g. a confidence mask); they get a gradient too.
  ///   - reduction: `.mean` (default), `.sum` or `.none` (shape [N]).
  public func crossEntropy(labels: [Int], weights: Tensor? = nil, reduction: Reduction = .mean) throws -> Tensor {
    let (n, c) = try crossEntropyShapes(weights)
    guard labels.count == n else {
      throw RuntimeError.invalidArgument(op: "crossEntropy", message: "got \(labels.count) labels for \(n) rows of logits")
    }
    for y in labels where y < 0 || y >= c {
      throw RuntimeError.invalidArgument(op: "crossEntropy", message: "label \(y) is out of range for \(c) classes")
    }
    // Log-probabilities are kept for backward (softmax = exp of them).
    let logp = try Tensor.allocate(n * c, op: "crossEntropy")
    softmaxAxis(storage.base, outer: n, n: c, inner: 1, log: true, logp.base)
    let perSample = try Tensor.allocate(n, op: "crossEntropy")
    for i in 0..<n { perSample.base[i] = -logp.base[i * c + labels[i]] }
    return try Tensor.reduceLoss(
      perSample, n: n, weights: weights, reduction: reduction, inputs: [self] + (weights.map { [$0] } ?? [])
    ) { coef in
      let dx = try Tensor.empty([n, c], op: "crossEntropy")
      let d = dx.storage.base, lp = logp.base
      for i in 0..<n {
        let k = coef[i], row = d + i * c, lrow = lp + i * c
        for j in 0..<c { row[j] = k * expf(lrow[j]) }
        row[labels[i]] -= k
      }
      return dx
    }
  }

  /// Cross-entropy of logits `[N, C]` against soft targets `[N, C]` (rows of probabilities,
  /// e.g. sharpened pseudo-labels): loss_i = −w_i Σ_c t_ic log softmax(x_i)_c.
  ///
  /// Backward: dx_i = g_i w_i (softmax(x_i) Σ_c t_ic − t_i); targets get −g_i w_i log softmax(x_i).
  public func crossEntropy(targets: Tensor, weights: Tensor? = nil, reduction: Reduction = .mean) throws -> Tensor {
    let (n, c) = try crossEntropyShapes(weights)
    guard targets.shape == shape else {
      throw RuntimeError.shapeMismatch(op: "crossEntropy", shapes: [shape, targets.shape], detail: "differ (soft targets must match the logits)")
    }
    let logp = try Tensor.allocate(n * c, op: "crossEntropy")
    softmaxAxis(storage.base, outer: n, n: c, inner: 1, log: true, logp.base)
    let perSample = try Tensor.allocate(n, op: "crossEntropy")
    let t = targets.storage.base
    for i in 0..<n {
      var s: Float = 0
      for j in 0..<c { s -= t[i * c + j] * logp.base[i * c + j] }
      perSample.base[i] = s
    }
    let needTargets = targets.requiresGrad
    var inputs = [self, targets]
    if let w = weights { inputs.append(w) }
    return try Tensor.reduceLoss(perSample, n: n, weights: weights, reduction: reduction, inputs: inputs, extra: { coef in
      guard needTargets else { return nil }
      let dt = try Tensor.empty([n, c], op: "crossEntropy")
      for i in 0..<n { for j in 0..<c { dt.storage.base[i * c + j] = -coef[i] * logp.base[i * c + j] } }
      return dt
    }) { coef in
      let dx = try Tensor.empty([n, c], op: "crossEntropy")
      let d = dx.storage.base
      for i in 0..<n {
        var ts: Float = 0
        for j in 0..<c { ts += t[i * c + j] }
        for j in 0..<c { d[i * c + j] = coef[i] * (expf(logp.base[i * c + j]) * ts - t[i * c + j]) }
      }
      return dx
    }
  }

  /// Applies weights and the reduction to per-sample losses and records backward.
  ///
  /// `dLogits(coef)` gets coef_i = ∂result/∂loss_i (upstream gradient × weight × 1/N) and
  /// returns the logits' gradient; `extra` optionally gives the second input's gradient
  /// (soft targets). The weights' gradient is computed here. `inputs` is
  /// [logits, (targets), (weights)].
  static func reduceLoss(
    _ perSample: Storage, n: Int, weights: Tensor?, reduction: Reduction, inputs: [Tensor],
    extra: (([Float]) throws -> Tensor?)? = nil,
    dLogits: @escaping ([Float]) throws -> Tensor
  ) throws -> Tensor {
    let weighted = try Tensor.allocate(n, op: "crossEntropy")
    let w = weights?.storage.base
    for i in 0..<n { weighted.base[i] = perSample.base[i] * (w?[i] ?? 1) }
    let outShape: [Int], out: Storage
    switch reduction {
    case .none:
      outShape = [n]; out = weighted
    case .mean, .sum:
      outShape = []
      out = try Tensor.allocate(1, op: "crossEntropy")
      let s = Float(sumContiguous(weighted.base, n))
      out.base[0] = reduction == .mean ? s / Float(n) : s
    }
    return Tensor.result(shape: outShape, storage: out, inputs: inputs) { g in
      // ∂out/∂loss_i before weighting.
      var up = [Float](repeating: 0, count: n)
      switch reduction {
      case .none: for i in 0..<n { up[i] = g.storage.base[i] }
      case .mean: up = [Float](repeating: g.storage.base[0] / Float(n), count: n)
      case .sum: up = [Float](repeating: g.storage.base[0], count: n)
      }
      var coef = up
      if let w { for i in 0..<n { coef[i] *= w[i] } }
      var grads: [Tensor?] = [inputs[0].requiresGrad ? try dLogits(coef) : nil]
      if let extra {
        grads.append(try extra(coef))
      }
      if let weights {
        if weights.requiresGrad {
          let dw = try Tensor.empty([n], op: "crossEntropy")
          for i in 0..<n { dw.storage.base[i] = up[i] * perSample.base[i] }
          grads.append(dw)
        } else {
          grads.append(nil)
        }
      }
      return grads
    }
  }
}
