import Foundation
import Runtime

/// The generator quality report (docs/generators.md): train a cvae on a real Fashion-MNIST
/// split, sample it per class, draw a grid, and measure class faithfulness — the accuracy
/// with which a convnet trained on *other* real images labels the synthetic ones.
///
/// Splits of the Fashion-MNIST training set: images 50000..<60000 train the generator (the
/// SSL benchmark draws its labeled and unlabeled sets from the first 50000); images
/// 0..<10000 train the judging classifier; the real test set checks that classifier.
enum GeneratorBench {
  static func run(kind: String = "cvae", steps: Int, classifierSteps: Int, perClass: Int, outDir: String) throws {
    let train = try Dataset.fashionMNIST(split: "train"), test = try Dataset.fashionMNIST(split: "test")
    let genSplit = try train.subset(Array(50_000..<60_000), name: "fashion-mnist/generator-split")
    let judgeSplit = try train.subset(Array(0..<10_000), name: "fashion-mnist/judge-split")

    // RSLAB_GENERATOR=path reuses a generator saved by an earlier run (to re-judge it);
    // RSLAB_JUDGE=path does the same for the judging classifier.
    let env = ProcessInfo.processInfo.environment
    let saved = env["RSLAB_GENERATOR"], savedJudge = env["RSLAB_JUDGE"]
    let gen: Generator
    if let saved, FileManager.default.fileExists(atPath: saved) {
      gen = try Generator.load(path: saved)
      print("\n\(kind) loaded from \(saved): \(gen.summary)")
    } else {
      print("\n\(kind) on \(genSplit.summary): \(steps) steps of batch 64")
      gen = try Generator.train(data: genSplit, kind: kind, steps: steps, batch: 64, seed: 0) { step, loss in
        if step % 250 == 0 || step == 1 { print("  step \(step): loss \(fmt(loss, 1))") }
      }
      if let saved { try gen.save(path: saved) }
    }
    let h = gen.history
    let first = h.prefix(50).reduce(0, +) / Double(min(50, h.count)), last = h.suffix(50).reduce(0, +) / Double(min(50, h.count))
    guard gen.kind == kind else { throw RuntimeError.invalidArgument(op: "bench", message: "\(saved ?? "") holds a \(gen.kind), not a \(kind)") }
    print("  trained \(gen.steps) steps in \(fmt(gen.trainingSeconds, 1)) s (\(fmt(Double(gen.steps) / gen.trainingSeconds, 1)) steps/s); loss (\(kind == "cvae" ? "negative ELBO per image" : "discriminator + generator")) \(fmt(first, 1)) -> \(fmt(last, 1)) (mean of first/last 50 steps)")

    let t0 = Date()
    let synthetic = try gen.generate(perClass: perClass, seed: 1)
    let cold = try gen.generate(perClass: perClass, seed: 1, temperature: 0.5)
    print("  sampled 2 x \(synthetic.count) images in \(fmt(Date().timeIntervalSince(t0), 2)) s")

    try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
    try grid(synthetic, perRow: 10, path: "\(outDir)/\(kind)-samples.png")
    try grid(genSplit, perRow: 10, path: "\(outDir)/real-samples.png")
    print("  grids: \(outDir)/\(kind)-samples.png, \(outDir)/real-samples.png")

    var cfg = TrainConfig(steps: classifierSteps)
    cfg.evalEvery = classifierSteps
    let judge: Model
    if let savedJudge, FileManager.default.fileExists(atPath: savedJudge) {
      judge = try Model.convnet(width: 32, classes: 10, inChannels: 1, seed: 0)
      try judge.loadWeights(path: savedJudge)
      judge.inputNormalization = judgeSplit.channelStats()  // as the Trainer sets it
      print("\njudge: convnet(32) loaded from \(savedJudge)")
    } else {
      let model = try Model.convnet(width: 32, classes: 10, inChannels: 1, seed: 0)
      let t1 = Date()
      let trainer = try Trainer(model: model, algorithm: Supervised(), labeled: judgeSplit, unlabeled: nil, eval: test, config: cfg)
      judge = try trainer.run().model
      print("\njudge: convnet(32) trained supervised on \(judgeSplit.summary), \(classifierSteps) steps, \(fmt(Date().timeIntervalSince(t1), 1)) s")
      if let savedJudge { try judge.save(path: savedJudge) }
    }
    let real = try Evaluation.evaluate(judge, test)
    let faithful = try Evaluation.evaluate(judge, synthetic)
    let faithfulCold = try Evaluation.evaluate(judge, cold)
    print("  accuracy on the real test set:        \(fmt(100 * real.accuracy, 1))%")
    print("  class faithfulness, temperature 1:    \(fmt(100 * faithful.accuracy, 1))% of \(synthetic.count) \(kind) samples")
    print("  class faithfulness, temperature 0.5:  \(fmt(100 * faithfulCold.accuracy, 1))%")
    print("  per class (T=1 | real test):")
    for (c, name) in synthetic.classNames.enumerated() {
      print("    \(name.padding(toLength: 12, withPad: " ", startingAt: 0)) \(fmt(100 * faithful.perClass[c], 1))% | \(fmt(100 * real.perClass[c], 1))%")
    }
  }

  /// The first `perRow` images of every class, one class per row, captioned with the class.
  static func grid(_ d: Dataset, perRow: Int, path: String) throws {
    var tiles: [(pixels: [UInt8], channels: Int, height: Int, width: Int)] = [], captions: [String] = []
    for c in 0..<d.classCount {
      let idx = d.labels.indices.filter { d.labels[$0] == c }.prefix(perRow)
      for i in idx {
        tiles.append((try d.image(at: i), d.channels, d.height, d.width))
        captions.append(d.classNames[c])
      }
    }
    try ImageGrid.render(images: tiles, captions: captions, columns: perRow, scale: 2).write(path: path)
  }
}
