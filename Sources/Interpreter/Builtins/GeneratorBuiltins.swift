import Runtime

/// A trained generator as a language value (`train_generator(...)`); members `kind`,
/// `classes`, `shape`, `steps`, `history` (loss per step) and `seconds`.
final class GeneratorObject: NativeObject {
  let generator: Generator
  init(_ generator: Generator) { self.generator = generator }

  var typeName: String { "generator" }
  var summary: String { "generator(\(generator.summary))" }
  var memberNames: [String] { ["kind", "classes", "shape", "steps", "history", "seconds"] }

  func member(_ name: String) throws -> Value? {
    switch name {
    case "kind": return .string(generator.kind)
    case "classes": return .list(generator.classNames.map { .string($0) })
    case "shape": return .list(generator.imageShape.map { .number(Double($0)) })
    case "steps": return .number(Double(generator.steps))
    case "history": return .list(generator.history.map { .number($0) })
    case "seconds": return .number(generator.trainingSeconds)
    default: return nil
    }
  }
}

extension BuiltinRegistry {
  static func registerGenerators(_ r: BuiltinRegistry) {
    let c = "generators"
    r.add("train_generator(data, kind: \"cvae\", steps:, seed:, batch: 64)", category: c,
          doc: "Trains a class-conditional image generator on a real dataset (use a split disjoint from the SSL splits).",
          help: "kind \"cvae\": a convolutional conditional VAE (Bernoulli pixels, latent 16, Adam lr 1e-3; smooth, blurry samples); kind \"gan\": a small conditional DCGAN-style GAN (sharper samples with GAN artefacts). Images need a height and width divisible by 4. Ctrl-C stops at the next step and returns the partly trained generator. About 2000 steps on 10000 Fashion-MNIST images give recognisable samples (docs/generators.md).",
          example: "g = train_generator(take(fashion_mnist(split: \"test\"), 64), steps: 2, seed: 0)") { a in
      let data = try a.dataset(0)
      let kind = try a.string(1), steps = try a.int(2), seed = try a.seed(3), batch = try a.int(4)
      let gen = try Generator(kind: kind, classNames: data.classNames, imageShape: data.imageShape, seed: seed)
      let context = a.context, hook = context.progress
      let start = MonotonicClock.now()
      do {
        try gen.fit(data: data, steps: steps, batch: batch, cancellation: a.context.cancellation) { step, loss in
          hook?(.generator(step: step, total: steps, loss: loss, elapsed: MonotonicClock.now() - start))
        }
      } catch RuntimeError.interrupted {
        context.write("train_generator: interrupted at step \(gen.steps) of \(steps); returning the partly trained generator\n")
      }
      return .object(GeneratorObject(gen))
    }
    r.add("generate(gen, per_class: nil, seed:, temperature: 1, from: nil)", category: c,
          doc: "Synthetic images from a generator: per_class prior samples of every class, or (from: a real dataset) one posterior reconstruction per image. Provenance synthetic.",
          help: "Prior samples (per_class:): labels are the conditioning classes, origin = the generator kind; temperature scales the latent noise (below 1: more typical, less varied). from: ds (a cvae only) encodes each image of ds with its label and decodes the posterior mean without noise: in-class, instance-preserving images with the generator's look, in ds's order with ds's labels, origin \"cvae-posterior\" — so the real sources stay known (take them from a split disjoint from the SSL splits and the test set). The same generator, seed and sources give the same images.",
          example: "s = generate(train_generator(take(fashion_mnist(split: \"test\"), 64), steps: 2, seed: 0), per_class: 3, seed: 1)") { a in
      let g = try a.object(0, as: GeneratorObject.self, expected: "generator").generator
      let perClass = try a.optionalInt(1), seed = try a.seed(2), temperature = try a.number(3)
      guard a.has(4) else {
        guard let perClass else { throw a.error(1, "per_class: (prior samples) or from: (reconstructions) expected") }
        return .object(DatasetObject(try g.generate(perClass: perClass, seed: seed, temperature: Float(temperature), cancellation: a.context.cancellation)))
      }
      let source = try a.dataset(4)
      if perClass != nil { throw a.error(1, "per_class: and from: exclude each other: from: reconstructs every image of its dataset") }
      if temperature != 1 { throw a.error(3, "temperature applies to prior samples; from: decodes the posterior mean, without noise") }
      return .object(DatasetObject(try g.reconstruct(source, cancellation: a.context.cancellation)))
    }
    r.add("save_generator(gen, path)", category: c,
          doc: "Saves a generator (weights, optimizer state, loss history, classes) to a safetensors file (atomically).",
          example: "save_generator(g, \"/tmp/rslab-cvae.safetensors\")", needsFiles: true) { a in
      try a.object(0, as: GeneratorObject.self, expected: "generator").generator.save(path: try a.string(1))
      return .null
    }
    r.add("load_generator(path)", category: c,
          doc: "Loads a generator written by save_generator; it samples exactly as the saved one.",
          example: "g = load_generator(\"/tmp/rslab-cvae.safetensors\")", needsFiles: true) { a in
      .object(GeneratorObject(try Generator.load(path: try a.string(0))))
    }
  }
}
