#if canImport(Glibc)
import Glibc
#endif

extension Tensor {
  /// Binary cross-entropy of logits against targets in [0, 1] (Bernoulli likelihood of
  /// pixels, as a VAE decoder uses), summed over every axis but the first.
  ///
  /// Per element ℓ = max(x, 0) − x·t + log(1 + e^−|x|), the stable form of
  /// −t·log σ(x) − (1−t)·log(1−σ(x)); loss_i = Σ ℓ over sample i's elements. `.mean` is
  /// Σ loss_i / N — the mean over samples of per-sample sums (the VAE convention; PyTorch's
  /// `BCEWithLogits` mean would also divide by the elements per sample).
  /// Backward: dx = coef_i · (σ(x) − t). The targets are constants (no gradient).
  ///
  ///     let rec = try logits.binaryCrossEntropyWithLogits(targets: images)   // [N, C, H, W] -> []
  public func binaryCrossEntropyWithLogits(targets: Tensor, reduction: Reduction = .mean) throws -> Tensor {
    let op = "binaryCrossEntropy"
    guard rank >= 1, shape[0] > 0 else {
      throw RuntimeError.invalidArgument(op: op, message: "expected logits [N, ...] with N > 0, got \(Shape.describe(shape))")
    }
    guard targets.shape == shape else {
      throw RuntimeError.shapeMismatch(op: op, shapes: [shape, targets.shape], detail: "differ (targets must match the logits)")
    }
    let n = shape[0], per = count / n
    let perSample = try Tensor.allocate(n, op: op)
    let x = storage.base, t = targets.storage.base
    for i in 0..<n {
      var s: Double = 0
      let xi = x + i * per, ti = t + i * per
      for k in 0..<per {
        let v = xi[k]
        s += Double(Swift.max(v, 0) - v * ti[k] + log1pf(expf(-Swift.abs(v))))
      }
      perSample.base[i] = Float(s)
    }
    let logits = self
    return try Tensor.reduceLoss(perSample, n: n, weights: nil, reduction: reduction, inputs: [self, targets],
                                 extra: { _ in nil }) { coef in
      let dx = try Tensor.empty(logits.shape, op: op)
      let d = dx.storage.base
      for i in 0..<n {
        let k = coef[i], base = i * per
        for j in base..<(base + per) { d[j] = k * (1 / (1 + expf(-x[j])) - t[j]) }
      }
      return dx
    }
  }
}
