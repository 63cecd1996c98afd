extension Tensor {
  /// Batch normalisation over the channel axis 1 of [N, C, H, W] (or [N, C]).
  ///
  /// Training: normalises with the batch mean and the biased batch variance, and updates
  /// the running statistics in place with PyTorch's convention
  /// `running = (1 - momentum)·running + momentum·batch`, using the unbiased variance.
  /// Evaluation: normalises with the running statistics. `gamma`, `beta`, `runningMean`,
  /// `runningVar` are [C].
  public func batchNorm2d(
    gamma: Tensor, beta: Tensor, runningMean: Tensor, runningVar: Tensor,
    training: Bool, momentum: Float = 0.1, eps: Float = 1e-5
  ) throws -> Tensor {
    try batchNorm2d(gamma: gamma, beta: beta, runningMean: runningMean, runningVar: runningVar,
                    training: training, momentum: momentum, eps: eps, activationSlope: nil)
  }

  /// `batchNorm2d` followed by a leaky ReLU of slope `activationSlope` (0: ReLU; nil: none)
  /// in one pass forward and backward — the same values and gradients as the two ops,
  /// without materialising the normalised tensor. Slopes must be non-negative.
  ///
  /// With `sync` (synchronised batch norm in a data-parallel run), training statistics are
  /// those of the union of every rank's batch: each rank's mean and variance are gathered and
  /// merged, and the backward pass sums its channel reductions over the ranks the same way.
  func batchNorm2d(
    gamma: Tensor, beta: Tensor, runningMean: Tensor, runningVar: Tensor,
    training: Bool, momentum: Float, eps: Float, activationSlope: Float?, sync: Communicator? = nil
  ) throws -> Tensor {
    guard rank == 4 || rank == 2 else {
      throw RuntimeError.invalidArgument(op: "batchNorm2d", message: "input \(Shape.describe(shape)) must be [N, C, H, W] or [N, C]")
    }
    let c = shape[1]
    for (name, t) in [("gamma", gamma), ("beta", beta), ("runningMean", runningMean), ("runningVar", runningVar)] where t.shape != [c] {
      throw RuntimeError.invalidArgument(op: "batchNorm2d", message: "\(name) \(Shape.describe(t.shape)) must be [\(c)] for the input \(Shape.describe(shape))")
    }
    guard eps > 0, momentum >= 0, momentum <= 1 else {
      throw RuntimeError.invalidArgument(op: "batchNorm2d", message: "needs eps > 0 and momentum in [0, 1], got eps \(eps), momentum \(momentum)")
    }
    let g = NormGeometry(n: shape[0], c: c, hw: rank == 4 ? shape[2] * shape[3] : 1)
    if training && g.perChannel < 2 {
      throw RuntimeError.invalidArgument(op: "batchNorm2d", message: "training needs more than one value per channel, got input \(Shape.describe(shape))")
    }
    let mean = Tensor(zeros: [c], zeroed: false), invStd = Tensor(zeros: [c], zeroed: false)
    let m = mean.buffer, s = invStd.buffer
    var totalCount = g.perChannel
    if training {
      let variance = Tensor(zeros: [c], zeroed: false)
      BatchNormKernels.statistics(storage.base, g, mean: mean.storage.base, variance: variance.storage.base)
      let v = variance.buffer, rm = runningMean.buffer, rv = runningVar.buffer
      if let sync { totalCount = SyncBatchNorm.mergeStatistics(sync, count: g.perChannel, mean: m, variance: v) }
      let unbias = Float(totalCount) / Float(totalCount - 1)
      for ch in 0..<c {
        s[ch] = 1 / (v[ch] + eps).squareRoot()
        rm[ch] = (1 - momentum) * rm[ch] + momentum * m[ch]
        rv[ch] = (1 - momentum) * rv[ch] + momentum * v[ch] * unbias
      }
    } else {
      let rm = runningMean.buffer, rv = runningVar.buffer
      for ch in 0..<c {
        m[ch] = rm[ch]
        s[ch] = 1 / (rv[ch] + eps).squareRoot()
      }
    }
    try MemoryLimit.check(elements: count, op: "batchNorm2d")
    let out = Storage(count: count, zeroed: false)
    if let s = activationSlope, !(s >= 0) {
      throw RuntimeError.invalidArgument(op: "batchNorm2d", message: "a fused activation needs a non-negative slope, got \(s)")
    }
    BatchNormKernels.normalize(storage.base, out.base, g, mean: mean.storage.base, invStd: invStd.storage.base,
                               gamma: gamma.storage.base, beta: beta.storage.base, slope: activationSlope)
    let x = self
    return Tensor.result(shape: shape, storage: out, inputs: [x, gamma, beta]) { dy in
      let dx = x.requiresGrad ? Tensor(zeros: x.shape, zeroed: false) : nil
      let dg = Tensor(zeros: [c], zeroed: false), db = Tensor(zeros: [c], zeroed: false)
      BatchNormKernels.backward(x.storage.base, dy.storage.base, dx?.storage.base, g,
                                mean: mean.storage.base, invStd: invStd.storage.base, gamma: gamma.storage.base,
                                dgamma: dg.storage.base, dbeta: db.storage.base, training: training,
                                activation: activationSlope.map { (UnsafePointer(beta.storage.base), $0) },
                                combine: training ? sync.map { c in { sums in var t = sums; c.sum(&t); return t } } : nil,
                                count: totalCount)
      return [dx, gamma.requiresGrad ? dg : nil, beta.requiresGrad ? db : nil]
    }
  }

  /// Inverted dropout: in training, zeroes each element with probability `p` and scales the
  /// survivors by 1/(1-p); in evaluation (or p = 0) returns `self` unchanged.
  public func dropout(p: Float, rng: inout RNG, training: Bool) throws -> Tensor {
    guard p >= 0, p <= 1 else {
      throw RuntimeError.invalidArgument(op: "dropout", message: "p must be in [0, 1], got \(p)")
    }
    if !training || p == 0 { return self }
    try MemoryLimit.check(elements: count * 2, op: "dropout")
    let mask = Tensor(zeros: shape, zeroed: false)
    let mk = mask.buffer
    let scale: Float = p == 1 ? 0 : 1 / (1 - p)
    for i in 0..<count { mk[i] = rng.uniform() >= p ? scale : 0 }
    let out = Storage(count: count, zeroed: false)
    let x = buffer
    for i in 0..<count { out.base[i] = x[i] * mk[i] }
    return Tensor.result(shape: shape, storage: out, inputs: [self]) { dy in
      // Capture the mask tensor (not just its pointer) so it lives as long as this node.
      let dx = Tensor(zeros: dy.shape, zeroed: false)
      let d = dx.buffer, g = dy.buffer, m = mask.buffer
      for i in 0..<d.count { d[i] = g[i] * m[i] }
      return [dx]
    }
  }
}
