import Foundation
import Runtime

// rslab-bench: performance figures measured against cblas_sgemm in the same process.
// Usage: rslab-bench [--quick] [--threads N]
// Sections grow with the project (a full FixMatch step vs PyTorch comes later); each
// prints its own table and reports fractions of the sgemm figure measured first.

var args = Array(CommandLine.arguments.dropFirst())
let quick = args.contains("--quick")
if let i = args.firstIndex(of: "--threads"), i + 1 < args.count, let n = Int(args[i + 1]) { BLASThreads.count = n }
let repeats = quick ? 2 : 5

print("rslab-bench")
print(Machine.summary)
let peak = try GemmBench.squareGflops(n: quick ? 1024 : 2048, repeats: repeats)
print("sgemm \(quick ? 1024 : 2048)^3: \(fmt(peak)) GFLOP/s (reference for the fractions below)")
print("")

print("conv2d forward+backward, convnet width 32, batch 64 of 28x28x1 (best of \(repeats))")
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
