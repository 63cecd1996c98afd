#if canImport(Glibc)
import Glibc
#endif

/// A class-conditional image generator trained on a real dataset, sampled per class to make
/// synthetic datasets for the RS-SSL benchmark (provenance synthetic, origin = the kind).
///
/// Two modes: `generate(perClass:seed:)` samples the prior (new images of each class);
/// `reconstruct(_:)` decodes the posterior mean of given real images (a cvae only).
///
/// Kinds (see `Generator.kinds`):
/// - `"cvae"`: a convolutional conditional VAE (`ConditionalVAE` documents the layers);
///   samples are smooth, somewhat blurry versions of the class — recognisable, but with the
///   low-frequency look a detector can learn.
/// - `"gan"`: a small conditional DCGAN-style GAN (`ConditionalGAN`); sharper, with GAN
///   artefacts instead of blur, so a benchmark can mix two generators with different looks.
///
/// Measured on Fashion-MNIST (docs/generators.md has the setup and the sample grid): 2000
/// cvae steps of batch 64 on 10k real training images took 1029 s on 2 heavily shared
/// cores (release build, load average ~15); a convnet trained on other real images (85.8%
/// on the real test set) labels 49.9% of the samples as their class at temperature 1 and
/// 55.6% at 0.5; a 1500-step gan scores 63.1% and 76.0% with the same judge.
///
///     let gen = try Generator.train(data: realSplit, steps: 2000, seed: 0, progress: nil)
///     let synthetic = try gen.generate(perClass: 1000, seed: 1)   // 10,000 images, all synthetic
public final class Generator {
  /// The generator kinds `train` accepts.
  public static let kinds = ["cvae", "gan"]
  /// The kind, e.g. `"cvae"`; also the origin name of generated samples.
  public let kind: String
  /// The conditioning classes (copied to generated datasets).
  public let classNames: [String]
  /// Image channels, height and width (those of the training data).
  public let channels: Int, height: Int, width: Int
  /// The seed the weights were initialised from and training batches are drawn with.
  public let seed: UInt64
  /// The training loss after every step (cvae: negative ELBO per image; gan: discriminator
  /// plus generator loss).
  public internal(set) var history: [Double] = []
  /// Wall-clock seconds spent in `fit`.
  public internal(set) var trainingSeconds: Double = 0
  /// Name of the dataset the generator was last trained on.
  public internal(set) var trainedOn: String = ""
  let model: any GenerativeModel
  private var rng: RNG
  private var order: [Int] = []
  private var position = 0

  /// The image shape `[C, H, W]`.
  public var imageShape: [Int] { [channels, height, width] }
  /// Steps trained so far.
  public var steps: Int { history.count }

  /// An untrained generator of `kind` for images of `imageShape` ([C, H, W], H and W
  /// divisible by 4) conditioned on `classNames`.
  public init(kind: String = "cvae", classNames: [String], imageShape: [Int], seed: UInt64) throws {
    let op = "train_generator"
    guard Generator.kinds.contains(kind) else {
      throw RuntimeError.invalidArgument(op: op, message: "unknown generator kind '\(kind)'; kinds are \(Generator.kinds.joined(separator: ", "))")
    }
    guard imageShape.count == 3, imageShape.allSatisfy({ $0 >= 1 }) else {
      throw RuntimeError.invalidArgument(op: op, message: "image shape \(Shape.describe(imageShape)) must be [C, H, W] with positive sizes")
    }
    let (c, h, w) = (imageShape[0], imageShape[1], imageShape[2])
    guard h % 4 == 0, w % 4 == 0, c <= 4, h <= 1024, w <= 1024 else {
      throw RuntimeError.invalidArgument(op: op, message: "a \(kind) needs images of at most 4 channels with height and width divisible by 4 (and at most 1024), got \(c)x\(h)x\(w)")
    }
    guard !classNames.isEmpty, classNames.count <= 1000 else {
      throw RuntimeError.invalidArgument(op: op, message: "needs 1 to 1000 classes, got \(classNames.count)")
    }
    self.kind = kind
    self.classNames = classNames
    channels = c; height = h; width = w
    self.seed = seed
    rng = RNG(seed: seed ^ 0x4745_4E45_5241_5445)  // "GENERATE": batches and training noise
    switch kind {
    case "gan": model = try ConditionalGAN(classes: classNames.count, channels: c, height: h, width: w, seed: seed)
    default: model = try ConditionalVAE(classes: classNames.count, channels: c, height: h, width: w, seed: seed)
    }
  }

  /// Trains a new generator of `kind` on `data` (a real split disjoint from the SSL splits)
  /// for `steps` Adam steps of `batch` images.
  ///
  /// - Parameter progress: called after every step with the step number (1-based) and its loss.
  /// - Throws: an unknown kind (the error lists the kinds), images whose height or width is
  ///   not divisible by 4, bad step or batch counts, `interrupted` on Ctrl-C.
  public static func train(
    data: Dataset, kind: String = "cvae", steps: Int, batch: Int = 64, seed: UInt64,
    cancellation: CancellationToken? = nil, progress: ((Int, Double) -> Void)? = nil
  ) throws -> Generator {
    let g = try Generator(kind: kind, classNames: data.classNames, imageShape: data.imageShape, seed: seed)
    try g.fit(data: data, steps: steps, batch: batch, cancellation: cancellation, progress: progress)
    return g
  }

  /// Trains `steps` more steps on `data` (same classes and image shape). Batches are drawn
  /// from successive random permutations of the dataset; the cancellation flag is polled at
  /// every step, and an interrupted fit keeps the steps already taken.
  public func fit(data: Dataset, steps: Int, batch: Int = 64, cancellation: CancellationToken? = nil,
                  progress: ((Int, Double) -> Void)? = nil) throws {
    let op = "train_generator"
    guard steps >= 1 else { throw RuntimeError.invalidArgument(op: op, message: "steps must be at least 1, got \(steps)") }
    guard batch >= 1, batch <= 4096 else { throw RuntimeError.invalidArgument(op: op, message: "batch must be in 1...4096, got \(batch)") }
    guard data.count >= 1 else { throw RuntimeError.invalidArgument(op: op, message: "the dataset \(data.name) is empty") }
    guard data.imageShape == imageShape else {
      throw RuntimeError.shapeMismatch(op: op, shapes: [data.imageShape, imageShape], detail: "differ: the data's images do not fit this generator's")
    }
    guard data.classNames == classNames else {
      throw RuntimeError.invalidArgument(op: op, message: "the classes of \(data.name) differ from the generator's (\(classNames.prefix(5).joined(separator: ", "))\(classNames.count > 5 ? ", ..." : ""))")
    }
    if order.count != data.count || trainedOn != data.name { order = []; position = 0 }
    trainedOn = data.name
    let start = MonotonicClock.now()
    defer { trainingSeconds += MonotonicClock.now() - start }
    for _ in 0..<steps {
      try cancellation.check()
      let idx = nextIndices(batch, count: data.count)
      let images = try data.batch(idx, normalization: .identity(channels: channels))
      let loss = try model.trainStep(images: images, labels: idx.map { data.labels[$0] }, rng: &rng)
      history.append(loss)
      progress?(history.count, loss)
    }
  }

  /// Samples `perClass` images of every class, in class order, as a synthetic dataset
  /// (origin `kind`, labels = the conditioning classes, class names copied).
  ///
  /// Deterministic: the same generator and seed give the same pixels.
  /// - Parameter temperature: scales the latent noise (1 samples the prior; smaller values
  ///   give more typical, less varied images; 0 gives each class's mean image).
  public func generate(perClass: Int, seed: UInt64, temperature: Float = 1,
                       cancellation: CancellationToken? = nil) throws -> Dataset {
    let op = "generate"
    guard perClass >= 1 else { throw RuntimeError.invalidArgument(op: op, message: "per_class must be at least 1, got \(perClass)") }
    guard temperature >= 0, temperature.isFinite else {
      throw RuntimeError.invalidArgument(op: op, message: "temperature must be a finite number >= 0, got \(temperature)")
    }
    let (total, o1) = perClass.multipliedReportingOverflow(by: classNames.count)
    let (bytes, o2) = total.multipliedReportingOverflow(by: channels * height * width)
    guard !o1, !o2 else { throw RuntimeError.resourceLimit(message: "\(op): \(perClass) images per class is too many") }
    try MemoryLimit.check(elements: bytes / 4 + 1, op: op)
    let labels = (0..<classNames.count).flatMap { [Int](repeating: $0, count: perClass) }
    var pixels = [UInt8](repeating: 0, count: bytes)
    var r = RNG(seed: seed)
    let chunk = 256, size = channels * height * width
    var start = 0
    while start < total {
      try cancellation.check()
      let end = min(start + chunk, total)
      let x = try model.sample(labels: Array(labels[start..<end]), temperature: temperature, rng: &r)
      let src = x.storage.base
      for k in 0..<((end - start) * size) { pixels[start * size + k] = AugmentImage.clamp(src[k] * 255) }
      start = end
    }
    return try Dataset(
      name: "\(kind)/generated", pixels: pixels, labels: labels, classNames: classNames,
      channels: channels, height: height, width: width,
      synthetic: [Bool](repeating: true, count: total), originNames: [kind])
  }

  /// Posterior reconstructions of real images: each image of `source` is encoded with its
  /// label and the mean of q(z | x, y) is decoded, without sampling noise. The result keeps
  /// the source's order and labels (one reconstruction per source image, so a study can pair
  /// each synthetic image with its real source) and is marked synthetic with origin
  /// `"<kind>-posterior"`.
  ///
  /// These images are in-class and instance-preserving (the source's pose and shape) yet carry
  /// the generator's look. Use source images the generator was not trained on, from a split
  /// disjoint from the SSL splits and the test set. Only a `"cvae"` has an encoder.
  /// Deterministic: the same generator and source give the same pixels.
  public func reconstruct(_ source: Dataset, cancellation: CancellationToken? = nil) throws -> Dataset {
    let op = "generate"
    guard let vae = model as? ConditionalVAE else {
      throw RuntimeError.invalidArgument(op: op, message: "from: needs a cvae generator; a \(kind) has no encoder to reconstruct images with")
    }
    guard source.count >= 1 else { throw RuntimeError.invalidArgument(op: op, message: "the dataset \(source.name) given as from: is empty") }
    guard source.imageShape == imageShape else {
      throw RuntimeError.shapeMismatch(op: op, shapes: [source.imageShape, imageShape], detail: "differ: the from: images do not fit this generator's")
    }
    guard source.classNames == classNames else {
      throw RuntimeError.invalidArgument(op: op, message: "the classes of \(source.name) differ from the generator's")
    }
    let total = source.count, size = channels * height * width
    try MemoryLimit.check(elements: total * size / 4 + 1, op: op)
    var pixels = [UInt8](repeating: 0, count: total * size)
    let chunk = 256
    var start = 0
    while start < total {
      try cancellation.check()
      let end = min(start + chunk, total)
      let idx = Array(start..<end)
      let images = try source.batch(idx, normalization: .identity(channels: channels))
      let x = try vae.reconstruct(images: images, labels: idx.map { source.labels[$0] })
      let src = x.storage.base
      for k in 0..<((end - start) * size) { pixels[start * size + k] = AugmentImage.clamp(src[k] * 255) }
      start = end
    }
    return try Dataset(
      name: "\(kind)/reconstructed(\(source.name))", pixels: pixels, labels: source.labels, classNames: classNames,
      channels: channels, height: height, width: width,
      synthetic: [Bool](repeating: true, count: total), originNames: ["\(kind)-posterior"])
  }

  /// One line: kind, image shape, classes, steps and the latest loss.
  public var summary: String {
    let last = history.last.map { String(format: "%.2f", $0) } ?? "-"
    return "\(kind) generator: \(channels)x\(height)x\(width), \(classNames.count) classes, \(steps) steps, loss \(last)"
  }

  /// The next `n` sample indices from concatenated random permutations of `0..<count`.
  private func nextIndices(_ n: Int, count: Int) -> [Int] {
    var out: [Int] = []
    out.reserveCapacity(n)
    while out.count < n {
      if position >= order.count { order = rng.permutation(count); position = 0 }
      let take = min(n - out.count, order.count - position)
      out.append(contentsOf: order[position ..< position + take])
      position += take
    }
    return out
  }

}

extension Generator: CustomStringConvertible {
  public var description: String { summary }
}

extension TrainProgress {
  /// A progress report for generator training (no mask rate or accuracy), so the Shell's
  /// progress bar serves `train_generator` as it serves `train`.
  public static func generator(step: Int, total: Int, loss: Double, elapsed: Double) -> TrainProgress {
    let rate = elapsed > 0 ? Double(step) / elapsed : 0
    return TrainProgress(step: step, total: total, loss: loss, maskRate: 0, testAccuracy: nil,
                         stepsPerSecond: rate, secondsRemaining: rate > 0 ? Double(total - step) / rate : 0)
  }
}
