import Foundation
import Runtime

// rslab-bench: performance figures measured against cblas_sgemm in the same process.
// Usage: rslab-bench [--quick] [--threads N] [--torch PYTHON] [--width N] [section ...]
//   --width N: the step section at that width only (default 32 and 16), e.g. under `perf`
//   sections: step conv infer overhead (default, one table), wrn, generator, gan, guard
// `guard` is the CI regression check: it exits 1 if the width-16 FixMatch step's achieved
// GFLOP/s falls below a fixed fraction of the sgemm figure measured in the same run.

let args = Array(CommandLine.arguments.dropFirst())
let quick = args.contains("--quick")
var sections = Set<String>()
var torchPython: String? = nil
var stepWidths = [32, 16]
var i = 0
while i < args.count {
  if args[i] == "--threads", i + 1 < args.count, let n = Int(args[i + 1]) { BLASThreads.count = n; i += 2; continue }
  if args[i] == "--torch", i + 1 < args.count { torchPython = args[i + 1]; i += 2; continue }
  if args[i] == "--width", i + 1 < args.count, let w = Int(args[i + 1]) { stepWidths = [w]; i += 2; continue }
  if !args[i].hasPrefix("--") { sections.insert(args[i]) }
  i += 1
}

if sections.contains("guard") {
  exit(try RegressionGuard.run() ? 0 : 1)
}
if sections.isEmpty { sections = ["step", "conv", "infer", "overhead"] }
let repeats = quick ? 3 : 5

print("rslab-bench")
print(Machine.summary)
print("load average at start: \(Machine.loadAverage)")
let side = quick ? 1024 : 2048
let peak = try GemmBench.squareGflops(n: side, repeats: repeats)

let table = Table(columns: [("measurement", 46), ("value", 10), ("unit", 9), ("of sgemm", 9), ("target", 22)])
print("")
table.header()
table.row(["sgemm \(side)^3 (the limit)", fmt(peak), "GFLOP/s", "100.0%", ""])

if sections.contains("step") {
  let steps = quick ? 3 : 7
  var torchRate: [Int: Double] = [:]
  for width in stepWidths {
    let trainer = try FixMatchStepBench.trainer(width: width)
    let r = FixMatchStepBench.Result(width: width, samples: try FixMatchStepBench.time(trainer, steps: steps))
    let name = "FixMatch step w\(width)"
    // The width-32 step is the first thing run after sgemm, so the peak so far is its own.
    let peakAfter = ProcessMemory.peakResident
    table.row(["\(name): time (median of \(steps))", fmt(r.median * 1e3, 0), "ms/step", "", ""])
    table.row(["\(name): conv+linear fwd+bwd", fmt(r.flops / 1e9, 2), "GFLOP", "", ""])
    table.row(["\(name): achieved", fmt(r.gflops), "GFLOP/s", fmt(100 * r.gflops / peak) + "%", width == 32 ? ">= 60%: \(r.gflops / peak >= 0.6 ? "met" : "NOT met")" : ""])
    if let py = torchPython {
      if let t = TorchReference.imagesPerSecond(python: py, width: width, steps: quick ? 2 : 4) {
        torchRate[width] = t
        table.row(["\(name): images/s", fmt(r.imagesPerSecond, 0), "images/s", "", ""])
        table.row(["  PyTorch same step, same run", fmt(t, 0), "images/s", "", ""])
        let x = r.imagesPerSecond / t
        table.row(["  rslab / PyTorch", fmt(x, 2), "x", "", ">= 1.5x: \(x >= 1.5 ? "met" : "NOT met")"])
      } else {
        table.row(["\(name): images/s", fmt(r.imagesPerSecond, 0), "images/s", "", "torch: failed to run"])
      }
    } else {
      table.row(["\(name): images/s", fmt(r.imagesPerSecond, 0), "images/s", "", "(no --torch)"])
    }
    if width == 32, let hwm = peakAfter {
      let mb = Double(hwm) / 1_048_576
      table.row(["\(name): peak resident memory (VmHWM)", fmt(mb, 0), "MB", "", "< 1536 MB: \(mb < 1536 ? "met" : "NOT met")"])
    }
  }
  if let hwm = ProcessMemory.peakResident {
    let mb = Double(hwm) / 1_048_576
    table.row(["peak resident memory (VmHWM) after the steps", fmt(mb, 0), "MB", "", ""])
  }
}

if sections.contains("conv") {
  let layers = try ConvBench.run(width: 32, batch: 64, repeats: repeats)
  for r in layers {
    table.row(["conv fwd+bwd \(r.name) b64", fmt(r.gflops), "GFLOP/s", fmt(100 * r.gflops / peak) + "%", ""])
  }
  let flops = layers.reduce(0) { $0 + $1.flops }, seconds = layers.reduce(0) { $0 + $1.seconds }
  let total = flops / seconds / 1e9
  table.row(["conv fwd+bwd, all four layers", fmt(total), "GFLOP/s", fmt(100 * total / peak) + "%", ">= 50%: \(total / peak >= 0.5 ? "met" : "NOT met")"])
}

if sections.contains("infer") {
  if let (rate, n) = try InferenceBench.run(width: 32, repeats: quick ? 2 : 3) {
    table.row(["inference convnet w32, Fashion-MNIST test (\(n))", fmt(rate, 0), "images/s", "", ""])
  } else {
    table.row(["inference: Fashion-MNIST test set not found", "-", "", "", ""])
  }
}

if sections.contains("overhead") {
  let r = try LanguageOverheadBench.run(width: 16, steps: quick ? 5 : 10, repeats: quick ? 3 : 5)
  table.row(["RSL loop over builtins, supervised w16 b64", fmt(r.loopPerStep * 1e3, 1), "ms/step", "", ""])
  table.row(["builtin train, same training", fmt(r.builtinPerStep * 1e3, 1), "ms/step", "", ""])
  table.row(["language overhead per step", fmt(100 * r.overhead, 1), "%", "", "< 5%: \(r.overhead < 0.05 ? "met" : "NOT met")"])
}

if sections.contains("wrn") {
  let batch = 64
  let t = try WideResNetBench.run(batch: batch, repeats: quick ? 1 : 3)
  table.row(["WRN-28-2 fwd+bwd, batch 64 of 32x32x3", fmt(t * 1e3, 0), "ms", "", ""])
}
print("load average at end: \(Machine.loadAverage)")

if sections.contains("generator") {
  // A quality report rather than a speed figure: it trains for minutes, so only on request.
  try GeneratorBench.run(steps: quick ? 300 : 2000, classifierSteps: quick ? 300 : 1500, perClass: 500, outDir: "docs/images")
}

if sections.contains("gan") {
  try GeneratorBench.run(kind: "gan", steps: quick ? 300 : 1500, classifierSteps: quick ? 300 : 1500, perClass: 500, outDir: "docs/images")
}
