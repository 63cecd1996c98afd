import Foundation

/// The PyTorch side of the comparison: runs /work/shared/bench/torch_fixmatch_step.py (found
/// at ../shared/bench relative to the repository, or `$RSLAB_TORCH_SCRIPT`) with the given
/// Python and reads its `images/s=` figure.
enum TorchReference {
  static var scriptPath: String {
    if let p = ProcessInfo.processInfo.environment["RSLAB_TORCH_SCRIPT"] { return p }
    return FileManager.default.currentDirectoryPath + "/../shared/bench/torch_fixmatch_step.py"
  }

  /// Images per second of the PyTorch FixMatch step at `width` (2 threads), nil on failure.
  static func imagesPerSecond(python: String, width: Int, steps: Int) -> Double? {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: python)
    p.arguments = [scriptPath, "\(steps)", "\(width)"]
    var env = ProcessInfo.processInfo.environment
    env["OMP_NUM_THREADS"] = "2"
    env["MKL_NUM_THREADS"] = "2"
    p.environment = env
    let pipe = Pipe()
    p.standardOutput = pipe
    do { try p.run() } catch { return nil }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    guard p.terminationStatus == 0, let text = String(data: data, encoding: .utf8),
          let r = text.range(of: "images/s=") else { return nil }
    return Double(text[r.upperBound...].prefix { $0.isNumber || $0 == "." })
  }
}

/// The CI regression check: the width-16 FixMatch step must reach at least `minFraction`
/// of the sgemm GFLOP/s measured in the same process. A ratio, so the machine's speed does not
/// matter; medians and up to `attempts` re-measurements keep a loaded machine from failing it.
enum RegressionGuard {
  static let minFraction = 0.20

  static func run(attempts: Int = 3) throws -> Bool {
    print("rslab-bench guard: \(Machine.summary), load average \(Machine.loadAverage)")
    let trainer = try FixMatchStepBench.trainer(width: 16)
    var best = 0.0
    for attempt in 1...attempts {
      let sgemm = Stats.median(try (0..<3).map { _ in try GemmBench.squareGflops(n: 1024, repeats: 1) })
      let r = FixMatchStepBench.Result(width: 16, samples: try FixMatchStepBench.time(trainer, steps: 3))
      let ratio = r.gflops / sgemm
      best = max(best, ratio)
      print("attempt \(attempt): sgemm \(fmt(sgemm)) GFLOP/s, FixMatch step w16 \(fmt(r.median * 1e3, 0)) ms = \(fmt(r.gflops)) GFLOP/s = \(fmt(100 * ratio))% of sgemm (minimum \(fmt(100 * minFraction, 0))%)")
      if ratio >= minFraction { print("guard: ok"); return true }
    }
    print("guard: FAILED — the width-16 FixMatch step reached \(fmt(100 * best))% of sgemm, below \(fmt(100 * minFraction, 0))%")
    return false
  }
}
