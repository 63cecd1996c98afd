import Runtime

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
