import Foundation
import Runtime

/// One real FixMatch training step — `Trainer.trainStep()` with `FixMatch()` — of
/// `convnet(width:)` on 28x28x1 images: labeled batch 64, μ = 7, so 64 + 2·448 = 960 images
/// through forward, backward and the SGD update (plus what `train` does around them:
/// sampling, weak and strong augmentation, the EMA update).
///
/// The data are random 8-bit images with random labels, as in
/// /work/shared/bench/torch_fixmatch_step.py; the mask comes from FixMatch's own τ = 0.95
/// threshold on the weak-view logits, as in that script.
enum FixMatchStepBench {
  struct Result {
    let width: Int
    /// Per-step seconds of every timed step (after warm-up).
    let samples: [Double]
    var batch = FixMatchStepBench.labeledBatch
    var median: Double { Stats.median(samples) }
    var images: Int { batch + 2 * FixMatchStepBench.mu * batch }
    /// Direct-convolution-equivalent FLOPs (what the direct method would compute).
    var flops: Double { FixMatchStepBench.flops(width: width, batch: images) }
    var gflops: Double { flops / median / 1e9 }
    var imagesPerSecond: Double { Double(images) / median }
  }

  static let labeledBatch = 64, mu = 7
  static var imagesPerStep: Int { labeledBatch + 2 * mu * labeledBatch }

  /// Random images and labels (seeded) in a dataset of `count` samples of side x side x channels.
  static func randomDataset(count: Int, seed: UInt64, name: String, channels: Int = 1, side: Int = 28) throws -> Dataset {
    var rng = RNG(seed: seed)
    let pixels = (0..<count * channels * side * side).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
    let labels = (0..<count).map { _ in rng.int(below: 10) }
    return try Dataset(name: name, pixels: pixels, labels: labels, classNames: (0..<10).map { "\($0)" },
                       channels: channels, height: side, width: side, originNames: ["random"])
  }

  /// A trainer ready to step; `warmup` steps are run untimed. The model is convnet(width:)
  /// on 28x28x1, or WRN-28-2 on 32x32x3 with `wrn`.
  static func trainer(width: Int, batch: Int = labeledBatch, wrn: Bool = false, warmup: Int = 1) throws -> Trainer {
    let (channels, side) = wrn ? (3, 32) : (1, 28)
    let labeled = try randomDataset(count: 10 * batch, seed: 11, name: "random/labeled", channels: channels, side: side)
    let unlabeled = try randomDataset(count: 10 * batch * mu, seed: 12, name: "random/unlabeled", channels: channels, side: side)
    var cfg = TrainConfig(steps: 1_000_000)
    cfg.batchSize = batch
    cfg.mu = mu
    cfg.evalEvery = 1_000_000
    let model = wrn ? try Model.wideResNet(depth: 28, widen: 2, classes: 10, inChannels: 3, seed: 0)
      : try Model.convnet(width: width, classes: 10, inChannels: 1, seed: 0)
    let t = try Trainer(model: model, algorithm: FixMatch(), labeled: labeled, unlabeled: unlabeled, eval: nil, config: cfg)
    for _ in 0..<warmup { try t.trainStep() }
    return t
  }

  /// Times `steps` steps of an already warmed-up trainer, one sample per step.
  static func time(_ t: Trainer, steps: Int) throws -> [Double] {
    let debugMemory = ProcessInfo.processInfo.environment["RSLAB_DEBUG_MEM"] != nil
    return try (0..<max(1, steps)).map { _ in
      let r = try Stats.seconds { try t.trainStep() }
      if debugMemory { print("live", MemoryLimit.liveBytes >> 20, "MB, hwm", (ProcessMemory.peakResident ?? 0) >> 20) }
      return r
    }
  }

  /// Convolution and linear FLOPs of one step, forward and backward, counted as the direct
  /// method performs them (Winograd does fewer multiplies; dividing this count by the time
  /// gives the direct-convolution-equivalent rate, comparable with sgemm): every
  /// layer's forward 2·N·Cout·Cin·9·H·W (linear 2·N·in·out), its weight gradient as much again,
  /// its input gradient as much again except for the first convolution (the images need none).
  /// The weak view's rows go through backward too (their gradient is zero, but the batched
  /// kernels process the whole batch), so N = 960 in every term.
  static func flops(width w: Int, batch n: Int) -> Double {
    let convs = [(1, w, 28), (w, w, 28), (w, 2 * w, 14), (2 * w, 2 * w, 14)]
    let conv = convs.enumerated().reduce(0.0) { acc, e in
      let (cin, cout, side) = e.element
      return acc + 2.0 * Double(n * cout * cin * 9 * side * side) * (e.offset == 0 ? 2 : 3)
    }
    let linear = 2.0 * Double(n * 2 * w * 10) * 3
    return conv + linear
  }
}

/// Medians and wall-clock samples (the machine is shared: the median of several samples is
/// robust to the odd descheduled one).
enum Stats {
  static func median(_ xs: [Double]) -> Double {
    guard !xs.isEmpty else { return .nan }
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
  }

  /// Wall-clock seconds of one call.
  static func seconds(_ body: () throws -> Void) rethrows -> Double {
    let t0 = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9
  }
}

/// Process memory figures from /proc/self/status.
enum ProcessMemory {
  /// Peak resident set size (VmHWM) in bytes, nil where /proc is unavailable.
  static var peakResident: Int? {
    guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
    for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
      let kb = line.split(separator: " ").compactMap { Int($0) }.first
      return kb.map { $0 * 1024 }
    }
    return nil
  }
}

/// Inference throughput of `convnet(width:)` on the Fashion-MNIST test set through
/// `Evaluation.evaluate` (batched, no gradient, eval-mode batch norm).
enum InferenceBench {
  /// (images per second, image count), median of `repeats` passes; nil if the data set is absent.
  static func run(width: Int, repeats: Int) throws -> (Double, Int)? {
    guard let test = try? Dataset.fashionMNIST(split: "test") else { return nil }
    let model = try Model.convnet(width: width, classes: 10, inChannels: 1, seed: 0)
    model.inputNormalization = test.channelStats()
    model.eval()
    _ = try Evaluation.evaluate(model, test)
    let samples = try (0..<max(1, repeats)).map { _ in try Stats.seconds { _ = try Evaluation.evaluate(model, test) } }
    return (Double(test.count) / Stats.median(samples), test.count)
  }
}
