import Foundation
import Runtime

/// The CI regression check, two parts:
/// - efficiency: the width-16 FixMatch step must reach at least `minFraction` of the sgemm
///   GFLOP/s measured in the same process (direct-convolution-equivalent FLOPs). A ratio, so
///   the machine's speed does not matter; medians and up to `attempts` re-measurements keep a
///   loaded machine from failing it;
/// - no silent fallback: with the Winograd path forced, one step must run exactly
///   `winogradPassesPerStep` Winograd passes (forward and weight gradient of the four 3x3
///   convolutions, input gradient of the last three); with the default rule, exactly
///   `rulePassesPerStep` (the same less conv1's forward and weight gradient: one input channel).
enum RegressionGuard {
  static let minFraction = 0.20
  static let winogradPassesPerStep = 4 + 4 + 3
  static let rulePassesPerStep = 3 + 3 + 3

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

  /// One width-16 step with Winograd forced must run every 3x3 pass through it, and one with
  /// the default rule every pass the rule gives Winograd.
  static func winogradRuns() throws -> Bool {
    let saved = ConvPathChoice.mode
    defer { ConvPathChoice.mode = saved }
    for (mode, expected) in [(ConvPathChoice.Mode.winograd, winogradPassesPerStep), (.rule, rulePassesPerStep)] {
      ConvPathChoice.mode = mode
      let trainer = try FixMatchStepBench.trainer(width: 16, warmup: 0)
      let before = ConvPathChoice.winogradCallCount
      try trainer.trainStep()
      let passes = ConvPathChoice.winogradCallCount - before
      guard passes == expected else {
        print("guard: FAILED — a width-16 step with conv path \(mode.rawValue) ran \(passes) Winograd passes, expected \(expected) (a silent fallback to the direct path?)")
        return false
      }
      print("width-16 step, conv path \(mode.rawValue): \(passes) Winograd passes, as expected")
    }
    return true
  }
}
