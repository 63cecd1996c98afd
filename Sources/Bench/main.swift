import Foundation
import Runtime

// rslab-bench: performance figures measured against cblas_sgemm and their peers in the same process.
// Usage: rslab-bench [--quick] [--threads N] [--torch PYTHON] [--cpython PYTHON] [--width N] [section ...]
//   --width N: the step section at that width only (default 32 and 16), e.g. under `perf`
//   --torch PYTHON: a Python with torch (+ torchvision for `run`) for the PyTorch peers
//   --cpython PYTHON: the CPython of the loop row (default python3.11, else python3)
//   sections: step conv wrn run research loop infer overhead (default: all, one table),
//             generator, gan, guard
// `guard` is the CI regression check (RegressionGuard.swift).

let args = Array(CommandLine.arguments.dropFirst())
let quick = args.contains("--quick")
var sections = Set<String>()
var torchPython: String? = nil
var cpython: String? = nil
var stepWidths = [32, 16]
var i = 0
while i < args.count {
  if args[i] == "--threads", i + 1 < args.count, let n = Int(args[i + 1]) { BLASThreads.count = n; i += 2; continue }
  if args[i] == "--torch", i + 1 < args.count { torchPython = args[i + 1]; i += 2; continue }
  if args[i] == "--cpython", i + 1 < args.count { cpython = args[i + 1]; i += 2; continue }
  if args[i] == "--width", i + 1 < args.count, let w = Int(args[i + 1]) { stepWidths = [w]; i += 2; continue }
  if !args[i].hasPrefix("--") { sections.insert(args[i]) }
  i += 1
}

if sections.contains("guard") {
  exit(try RegressionGuard.run() ? 0 : 1)
}
if sections.isEmpty { sections = ["step", "conv", "wrn", "run", "research", "loop", "infer", "overhead"] }
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

/// A peer row and the ratio row under it: "rslab / peer" against a goal, or why it is missing.
@MainActor func peerRows(_ label: String, peer: Double?, ours: Double, unit: String, goal: Double, higherIsBetter: Bool = true) {
  guard let peer else {
    table.row(["  \(label)", "-", unit, "", torchPython == nil && !label.contains("CPython") ? "(no --torch)" : "failed: " + String(TorchReference.lastError.value.suffix(40))])
    return
  }
  table.row(["  \(label), same run", fmt(peer, peer >= 100 ? 0 : 2), unit, "", ""])
  let x = higherIsBetter ? ours / peer : peer / ours
  let sign = higherIsBetter ? ">=" : "<="
  let shown = higherIsBetter ? x : 1 / x
  let peerName = label.split(separator: " ").prefix(2).joined(separator: " ")
  table.row([higherIsBetter ? "  rslab / \(peerName)" : "  rslab time / \(peerName) time", fmt(shown, 2), "x", "",
             "\(sign) \(fmt(higherIsBetter ? goal : 1 / goal, 2))x: \(x >= goal ? "met" : "NOT met")"])
}

if sections.contains("step") {
  let steps = quick ? 3 : 7
  for width in stepWidths {
    let trainer = try FixMatchStepBench.trainer(width: width)
    let r = FixMatchStepBench.Result(width: width, samples: try FixMatchStepBench.time(trainer, steps: steps))
    let name = "FixMatch step w\(width)"
    // The width-32 step is the first thing run after sgemm, so the peak so far is its own.
    let peakAfter = ProcessMemory.peakResident
    table.row(["\(name): time (median of \(steps))", fmt(r.median * 1e3, 0), "ms/step", "", ""])
    table.row(["\(name): direct-equivalent conv+linear", fmt(r.flops / 1e9, 2), "GFLOP", "", ""])
    table.row(["\(name): direct-equivalent rate", fmt(r.gflops), "GFLOP/s", fmt(100 * r.gflops / peak) + "%", width == 32 ? ">= 100%: \(r.gflops / peak >= 1 ? "met" : "NOT met")" : ""])
    table.row(["\(name): images/s", fmt(r.imagesPerSecond, 0), "images/s", "", ""])
    let eager = torchPython.flatMap { TorchReference.stepRate(python: $0, width: width, steps: quick ? 2 : 4, compiled: false) }
    peerRows("PyTorch eager step", peer: eager, ours: r.imagesPerSecond, unit: "images/s", goal: width == 32 ? 3 : 1)
    let compiled = torchPython.flatMap { TorchReference.stepRate(python: $0, width: width, steps: quick ? 2 : 4, compiled: true) }
    peerRows("PyTorch torch.compile step", peer: compiled, ours: r.imagesPerSecond, unit: "images/s", goal: width == 32 ? 2 : 1)
    if width == 32, let hwm = peakAfter {
      let mb = Double(hwm) / 1_048_576
      table.row(["\(name): peak resident memory (VmHWM)", fmt(mb, 0), "MB", "", "<= 1126 MB: \(mb <= 1126.4 ? "met" : "NOT met")"])
    }
  }
  if let hwm = ProcessMemory.peakResident {
    let mb = Double(hwm) / 1_048_576
    table.row(["peak resident memory (VmHWM) after the steps", fmt(mb, 0), "MB", "", ""])
  }
}

if sections.contains("wrn") {
  let steps = quick ? 2 : 3
  let trainer = try FixMatchStepBench.trainer(width: 0, wrn: true)
  let t = Stats.median(try FixMatchStepBench.time(trainer, steps: steps))
  let rate = Double(FixMatchStepBench.imagesPerStep) / t
  table.row(["FixMatch step WRN-28-2 32x32x3 (median of \(steps))", fmt(t * 1e3, 0), "ms/step", "", ""])
  table.row(["FixMatch step WRN-28-2: images/s", fmt(rate, 0), "images/s", "", ""])
  let eager = torchPython.flatMap { TorchReference.figure(python: $0, ["wrn", "\(quick ? 1 : 2)"], key: "images/s") }
  peerRows("PyTorch eager step", peer: eager, ours: rate, unit: "images/s", goal: 2)
}

if sections.contains("run") {
  let steps = quick ? 50 : 200
  if let r = try WholeRunBench.tutorialFixMatch(steps: steps) {
    table.row(["tutorial-03 FixMatch run, \(steps) steps (acc \(r.accuracy))", fmt(r.seconds, 1), "s", "", ""])
    let peer = torchPython.flatMap { TorchReference.figure(python: $0, ["run", IDXReader.defaultFashionMNISTFolder(), "\(steps)"], key: "seconds") }
    peerRows("PyTorch+torchvision run", peer: peer, ours: r.seconds, unit: "s", goal: 3, higherIsBetter: false)
  } else {
    table.row(["tutorial-03 run: Fashion-MNIST not found", "-", "", "", ""])
  }
}

if sections.contains("research") {
  let measured = quick ? 5 : 15
  let t = try WholeRunBench.researchStep(steps: measured)
  table.row(["research config w16 b32 mu7, 1 thread: step", fmt(t * 1e3, 0), "ms/step", "", ""])
  table.row(["  1,500-step run (extrapolated from \(measured) steps)", fmt(t * 1500, 0), "s", "", ""])
  let peer = torchPython.flatMap { TorchReference.stepRate(python: $0, width: 16, steps: quick ? 3 : 5, compiled: false, batch: 32, threads: 1) }
  let perStep = peer.map { Double(32 + 2 * 7 * 32) / $0 * 1500 }
  peerRows("PyTorch eager 1,500 steps", peer: perStep, ours: t * 1500, unit: "s", goal: 1, higherIsBetter: false)
}

if sections.contains("loop") {
  let r = try LoopBench.run(repeats: quick ? 2 : 3)
  table.row(["RSL loop 1e6 with a call (result \(r.result))", fmt(r.seconds * 1e3, 0), "ms", "", ""])
  let py = cpython ?? CPythonLoop.findPython()
  let peer = py.flatMap { CPythonLoop.seconds(python: $0, repeats: quick ? 2 : 3) }
  peerRows("CPython same loop", peer: peer.map { $0 * 1e3 }, ours: r.seconds * 1e3, unit: "ms", goal: 1 / 0.75, higherIsBetter: false)
  if let ms = LoopBench.startup(repeats: 5) {
    table.row(["rslab start-up (spawn to exit, tiny script)", fmt(ms, 1), "ms", "", "< 20 ms: \(ms < 20 ? "met" : "NOT met")"])
  }
}

if sections.contains("conv") {
  // Direct-equivalent GFLOP/s of each layer through each path, then the measured choice.
  for mode in [ConvPathChoice.Mode.direct, .winograd, .auto, .rule] {
    let layers = try ConvBench.run(width: 32, batch: 64, repeats: repeats, mode: mode)
    for r in layers {
      table.row(["conv fwd+bwd \(r.name) b64, \(mode.rawValue)", fmt(r.gflops), "GFLOP/s", fmt(100 * r.gflops / peak) + "%", ""])
    }
    let flops = layers.reduce(0) { $0 + $1.flops }, seconds = layers.reduce(0) { $0 + $1.seconds }
    let total = flops / seconds / 1e9
    table.row(["conv fwd+bwd, all four layers, \(mode.rawValue)", fmt(total), "GFLOP/s", fmt(100 * total / peak) + "%",
               mode == .rule ? ">= 100%: \(total / peak >= 1 ? "met" : "NOT met")" : ""])
  }
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

print("load average at end: \(Machine.loadAverage)")
print("conv paths chosen at first use (cached per process): " + (ConvPathChoice.report.isEmpty ? "none" : ""))
for line in ConvPathChoice.report { print("  " + line) }

if sections.contains("generator") {
  // A quality report rather than a speed figure: it trains for minutes, so only on request.
  try GeneratorBench.run(steps: quick ? 300 : 2000, classifierSteps: quick ? 300 : 1500, perClass: 500, outDir: "docs/images")
}

if sections.contains("gan") {
  try GeneratorBench.run(kind: "gan", steps: quick ? 300 : 1500, classifierSteps: quick ? 300 : 1500, perClass: 500, outDir: "docs/images")
}
