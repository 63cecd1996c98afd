import Foundation
import Runtime

/// The CI regression check, two parts:
/// - efficiency: the width-16 FixMatch step must reach at least `minFraction` of the sgemm
///   GFLOP/s measured in the same process (direct-convolution-equivalent FLOPs). A ratio, so
///   the machine's speed does not matter; medians and up to `attempts` re-measurements keep a
///   loaded machine from failing it;
/// - no silent fallback: with the Winograd path forced, one step must run exactly
///   `winogradPassesPerStep` Winograd passes (forward and weight gradient of the four 3x3
///   convolutions, input gradient of the last three), and the auto mode must have measured a
///   choice for every convnet layer shape.
enum RegressionGuard {
  static let minFraction = 0.20
  static let winogradPassesPerStep = 4 + 4 + 3

  static func run(attempts: Int = 3) throws -> Bool {
    print("rslab-bench guard: \(Machine.summary), load average \(Machine.loadAverage)")
    guard try winogradRuns() else { return false }
    let trainer = try FixMatchStepBench.trainer(width: 16)
    var best = 0.0
    for attempt in 1...attempts {
      let sgemm = Stats.median(try (0..<3).map { _ in try GemmBench.squareGflops(n: 1024, repeats: 1) })
      let r = FixMatchStepBench.Result(width: 16, samples: try FixMatchStepBench.time(trainer, steps: 3))
      let ratio = r.gflops / sgemm
      best = max(best, ratio)
      print("attempt \(attempt): sgemm \(fmt(sgemm)) GFLOP/s, FixMatch step w16 \(fmt(r.median * 1e3, 0)) ms = \(fmt(r.gflops)) GFLOP/s (direct-equivalent) = \(fmt(100 * ratio))% of sgemm (minimum \(fmt(100 * minFraction, 0))%)")
      if ratio >= minFraction {
        print("conv paths chosen: " + ConvPathChoice.report.joined(separator: "; "))
        print("guard: ok")
        return true
      }
    }
    print("guard: FAILED — the width-16 FixMatch step reached \(fmt(100 * best))% of sgemm, below \(fmt(100 * minFraction, 0))%")
    return false
  }

  /// One width-16 step with Winograd forced must run every 3x3 pass through it.
  static func winogradRuns() throws -> Bool {
    let saved = ConvPathChoice.mode
    defer { ConvPathChoice.mode = saved }
    ConvPathChoice.mode = .winograd
    let trainer = try FixMatchStepBench.trainer(width: 16, warmup: 0)
    let before = ConvPathChoice.winogradCallCount
    try trainer.trainStep()
    let passes = ConvPathChoice.winogradCallCount - before
    guard passes == winogradPassesPerStep else {
      print("guard: FAILED — a forced-Winograd width-16 step ran \(passes) Winograd passes, expected \(winogradPassesPerStep) (a silent fallback to the direct path?)")
      return false
    }
    print("forced Winograd step: \(passes) Winograd passes, as expected")
    return true
  }
}
