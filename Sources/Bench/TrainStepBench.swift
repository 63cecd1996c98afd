import Runtime

/// One supervised training step of `convnet(width:)` (forward, cross-entropy, backward,
/// SGD) on a batch the size of a FixMatch step (B + 2·μ·B = 64 + 896 images of 28x28x1),
/// the workload of /work/shared/bench/torch_fixmatch_step.py without the pseudo-labelling.
enum TrainStepBench {
  /// Seconds per step (best of `repeats`) for `batch` images.
  static func run(width: Int = 32, batch: Int = 960, repeats: Int = 3) throws -> Double {
    var rng = RNG(seed: 3)
    let model = try Model.convnet(width: width, classes: 10, inChannels: 1, seed: 0)
    let opt = try SGD(parameters: model.parameters, lr: 0.03, momentum: 0.9, nesterov: true, weightDecay: 5e-4,
                      noDecay: model.noDecayParameters)
    let x = try Tensor.rand([batch, 1, 28, 28], rng: &rng)
    let labels = (0..<batch).map { _ in rng.int(below: 10) }
    return try Timing.best(repeats: repeats) {
      let loss = try model(x).crossEntropy(labels: labels)
      opt.zeroGrad()
      try loss.backward()
      try opt.step()
    }
  }
}

extension TrainStepBench {
  /// Convolution FLOPs of one step (forward; backward twice that except the first layer's dx).
  static func convFlops(width w: Int, batch: Int) -> Double {
    let layers = [(1, w, 28), (w, w, 28), (w, 2 * w, 14), (2 * w, 2 * w, 14)]
    return layers.enumerated().reduce(0) { acc, e in
      let (cin, cout, side) = e.element
      return acc + 2.0 * Double(batch * cout * cin * 9 * side * side) * (e.offset == 0 ? 2 : 3)
    }
  }
}

/// Forward + backward of WRN-28-2 (the SSL-literature backbone) on 32x32x3 images.
enum WideResNetBench {
  /// Seconds per forward + backward (best of `repeats`).
  static func run(batch: Int = 64, repeats: Int = 3) throws -> Double {
    var rng = RNG(seed: 4)
    let model = try Model.wideResNet(depth: 28, widen: 2, classes: 10, inChannels: 3, seed: 0)
    let x = try Tensor.rand([batch, 3, 32, 32], rng: &rng)
    let labels = (0..<batch).map { _ in rng.int(below: 10) }
    return try Timing.best(repeats: repeats) {
      for p in model.parameters { p.grad = nil }
      try model(x).crossEntropy(labels: labels).backward()
    }
  }
}
