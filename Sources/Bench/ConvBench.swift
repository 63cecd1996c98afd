import Runtime

/// conv2d forward + backward for each convolution of `convnet(width:)` on a batch of 28x28
/// grey images, as in /work/shared/bench/torch_fixmatch_step.py (3x3, padding 1, no bias;
/// channels 1 -> w -> w, pool, -> 2w -> 2w). The first layer's input needs no gradient, so its
/// backward computes only the weight gradient, as in training.
enum ConvBench {
  struct LayerResult {
    let name: String
    let flops: Double
    let seconds: Double
    var gflops: Double { flops / seconds / 1e9 }
  }

  /// The layers timed with the convolution path fixed to `mode` (`auto`: the measured choice).
  static func run(width w: Int = 32, batch: Int = 64, repeats: Int = 5, mode: ConvPathChoice.Mode) throws -> [LayerResult] {
    let saved = ConvPathChoice.mode
    ConvPathChoice.mode = mode
    defer { ConvPathChoice.mode = saved }
    return try run(width: w, batch: batch, repeats: repeats)
  }

  static func run(width w: Int = 32, batch: Int = 64, repeats: Int = 5) throws -> [LayerResult] {
    let layers: [(String, Int, Int, Int)] = [("conv1", 1, w, 28), ("conv2", w, w, 28), ("conv3", w, 2 * w, 14), ("conv4", 2 * w, 2 * w, 14)]
    var rng = RNG(seed: 2)
    var results: [LayerResult] = []
    for (i, (name, cin, cout, side)) in layers.enumerated() {
      let x = Tensor(shape: [batch, cin, side, side], values: (0..<batch * cin * side * side).map { _ in rng.normal() })
      x.requiringGrad(i > 0)
      let wt = Tensor(shape: [cout, cin, 3, 3], values: (0..<cout * cin * 9).map { _ in rng.normal() * 0.1 }).requiringGrad()
      let dy = Tensor(shape: [batch, cout, side, side], values: (0..<batch * cout * side * side).map { _ in rng.normal() })
      let forward = 2.0 * Double(batch * cout * cin * 9 * side * side)
      let flops = forward * (i > 0 ? 3 : 2)
      let t = try Timing.best(repeats: repeats) {
        x.grad = nil; wt.grad = nil
        let y = try x.conv2d(weight: wt, stride: 1, padding: 1)
        try y.backward(dy)
      }
      results.append(LayerResult(name: "\(name) \(cin)->\(cout) \(side)x\(side)", flops: flops, seconds: t))
    }
    return results
  }
}
