import Interpreter
import Runtime

/// The cost of the language: the same supervised training written as an RSL loop over
/// builtins (sample a batch, weak augmentation, forward, cross-entropy, zero_grad, backward,
/// cosine learning rate, step) against the builtin `train` doing that loop in Swift, both run
/// in-process through the interpreter's `Session` on one model, alternating, median of repeats.
enum LanguageOverheadBench {
  struct Result {
    let loopPerStep: Double
    let builtinPerStep: Double
    var overhead: Double { loopPerStep / builtinPerStep - 1 }
  }

  static func run(width: Int = 16, steps: Int = 10, repeats: Int = 3) throws -> Result {
    let session = Session(output: { _ in })
    try session.run("""
      ds = from_tensors(rand([640, 1, 28, 28], seed: 1), range(640) |> map(fn(i) i % 10 end))
      m = convnet(width: \(width), seed: 0)
      opt = sgd(params(m), lr: 0.03)
      aug = weak_aug()
      n = \(steps)
      """, file: "<bench-setup>")
    let loop = """
      for s in 0..n
        start = (s * 64) % 640
        b = subset(ds, range(start, start + 64))
        x = augment(images(b), aug, seed: s)
        loss = cross_entropy(m(x), labels(b))
        zero_grad(opt)
        backward(loss)
        set_lr(opt, cosine_lr(s, n, 0.03))
        step(opt)
      end
      """
    let builtin = "r = train(m, supervised(), labeled: ds, steps: n, batch: 64, ema: 0)"
    _ = try session.run(loop, file: "<bench-loop>")          // warm-up
    _ = try session.run(builtin, file: "<bench-train>")
    var a: [Double] = [], b: [Double] = []
    for _ in 0..<max(1, repeats) {
      a.append(try Stats.seconds { _ = try session.run(loop, file: "<bench-loop>") } / Double(steps))
      b.append(try Stats.seconds { _ = try session.run(builtin, file: "<bench-train>") } / Double(steps))
    }
    return Result(loopPerStep: Stats.median(a), builtinPerStep: Stats.median(b))
  }
}
