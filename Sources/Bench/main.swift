import Foundation
import Runtime

// rslab-bench: performance figures measured against cblas_sgemm in the same process.
// Usage: rslab-bench [--quick] [--threads N] [section ...]   sections: conv step wrn (default), generator, gan
// Sections grow with the project (a full FixMatch step vs PyTorch comes later); each
// prints its own table and reports fractions of the sgemm figure measured first.

let args = Array(CommandLine.arguments.dropFirst())
let quick = args.contains("--quick")
var sections = Set<String>()
var i = 0
while i < args.count {
  if args[i] == "--threads", i + 1 < args.count, let n = Int(args[i + 1]) { BLASThreads.count = n; i += 2; continue }
  if !args[i].hasPrefix("--") { sections.insert(args[i]) }
  i += 1
}
if sections.isEmpty { sections = ["conv", "step", "wrn"] }
let repeats = quick ? 2 : 5

print("rslab-bench")
print(Machine.summary)
let side = quick ? 1024 : 2048
let peak = try GemmBench.squareGflops(n: side, repeats: repeats)
print("sgemm \(side)^3: \(fmt(peak)) GFLOP/s (reference for the fractions below)")

if sections.contains("conv") {
  print("\nconv2d forward+backward, convnet width 32, batch 64 of 28x28x1 (best of \(repeats))")
  let table = Table(columns: [("layer", 24), ("GFLOP", 7), ("ms", 8), ("GFLOP/s", 8), ("of sgemm", 9)])
  table.header()
  let layers = try ConvBench.run(width: 32, batch: 64, repeats: repeats)
  for r in layers {
    table.row([r.name, fmt(r.flops / 1e9, 3), fmt(r.seconds * 1e3, 2), fmt(r.gflops), fmt(100 * r.gflops / peak) + "%"])
  }
  let flops = layers.reduce(0) { $0 + $1.flops }, seconds = layers.reduce(0) { $0 + $1.seconds }
  let total = flops / seconds / 1e9
  table.row(["total", fmt(flops / 1e9, 3), fmt(seconds * 1e3, 2), fmt(total), fmt(100 * total / peak) + "%"])
  print("target: at least 50% of sgemm -> \(total / peak >= 0.5 ? "met" : "NOT met")")
}

if sections.contains("step") {
  let batch = 64 + 2 * 7 * 64
  let step = try TrainStepBench.run(width: 32, batch: batch, repeats: quick ? 1 : 3)
  let flops = TrainStepBench.convFlops(width: 32, batch: batch)
  print("\nconvnet width 32 training step (forward, cross-entropy, backward, SGD), batch \(batch) of 28x28x1:")
  print("  \(fmt(step * 1e3, 0)) ms/step, \(fmt(Double(batch) / step, 0)) images/s, convolution GFLOP/s over the whole step: \(fmt(flops / step / 1e9)) (\(fmt(100 * flops / step / 1e9 / peak))% of sgemm)")
}

if sections.contains("wrn") {
  let batch = 64
  let t = try WideResNetBench.run(batch: batch, repeats: quick ? 1 : 3)
  print("\nWRN-28-2 forward + backward, batch \(batch) of 32x32x3: \(fmt(t * 1e3, 0)) ms, \(fmt(Double(batch) / t, 0)) images/s")
}

if sections.contains("generator") {
  // A quality report rather than a speed figure: it trains for minutes, so only on request.
  try GeneratorBench.run(steps: quick ? 300 : 2000, classifierSteps: quick ? 300 : 1500, perClass: 500, outDir: "docs/images")
}

if sections.contains("gan") {
  try GeneratorBench.run(kind: "gan", steps: quick ? 300 : 1500, classifierSteps: quick ? 300 : 1500, perClass: 500, outDir: "docs/images")
}
