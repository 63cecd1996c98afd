/// A labelled image dataset held as uint8 pixels (N x C x H x W), with the ground-truth
/// provenance (real or synthetic, plus an origin name) of every sample.
///
/// Datasets are immutable values behind a reference: every operation (subset, shuffle,
/// split, mix, ...) returns a new dataset and carries labels, provenance and origins along.
/// Provenance is for evaluation only: the samplers hand SSL algorithms images and sample
/// indices, and only evaluation code looks provenance up by index.
///
///     let train = try Dataset.fashionMNIST(split: "train")
///     let (labeled, unlabeled) = try train.sslSplit(perClass: 40, seed: 0)
///     print(unlabeled.summary)   // fashion-mnist/unlabeled: 59600 images 1x28x28, 10 classes, 0 synthetic
public final class Dataset: @unchecked Sendable {
  /// A display name, e.g. `fashion-mnist/train`.
  public let name: String
  /// Pixels, sample-major then channel, row, column (N x C x H x W), 0...255.
  public let pixels: [UInt8]
  /// Class index of each sample, in `0..<classNames.count`.
  public let labels: [Int]
  /// The name of each class, in class-index order.
  public let classNames: [String]
  /// Whether each sample is synthetic (made by a generative model); evaluation only.
  public let synthetic: [Bool]
  /// Index into `originNames` for each sample.
  public let originIDs: [Int32]
  /// Names of the sources samples come from, e.g. `fashion-mnist`, `cvae`.
  public let originNames: [String]
  /// Image channels (1 grey, 3 RGB).
  public let channels: Int
  /// Image height in pixels.
  public let height: Int
  /// Image width in pixels.
  public let width: Int

  /// Builds a dataset after checking that every array agrees with the sizes.
  ///
  /// - Parameters:
  ///   - pixels: `count * channels * height * width` bytes, N x C x H x W.
  ///   - synthetic: per-sample provenance; `nil` means all real.
  ///   - originIDs: per-sample origin ids into `originNames`; `nil` means all `originNames[0]`.
  public convenience init(
    name: String, pixels: [UInt8], labels: [Int], classNames: [String],
    channels: Int, height: Int, width: Int,
    synthetic: [Bool]? = nil, originIDs: [Int32]? = nil, originNames: [String]
  ) throws {
    let op = "dataset \(name)"
    guard channels >= 1, height >= 1, width >= 1 else {
      throw RuntimeError.invalidArgument(op: op, message: "image shape \(channels)x\(height)x\(width) must be positive")
    }
    guard !classNames.isEmpty else {
      throw RuntimeError.invalidArgument(op: op, message: "a dataset needs at least one class name")
    }
    let n = labels.count
    let (hw, o0) = height.multipliedReportingOverflow(by: width)
    let (per, o1) = channels.multipliedReportingOverflow(by: hw)
    let (total, o2) = per.multipliedReportingOverflow(by: n)
    guard !o0, !o1, !o2, pixels.count == total else {
      throw RuntimeError.invalidArgument(op: op, message: "\(pixels.count) pixel bytes do not hold \(n) images of \(channels)x\(height)x\(width)")
    }
    if let bad = labels.firstIndex(where: { $0 < 0 || $0 >= classNames.count }) {
      throw RuntimeError.invalidArgument(op: op, message: "label \(labels[bad]) of sample \(bad) is not a class index in 0..<\(classNames.count)")
    }
    let syn = synthetic ?? [Bool](repeating: false, count: n)
    guard syn.count == n else {
      throw RuntimeError.invalidArgument(op: op, message: "\(syn.count) provenance flags for \(n) samples")
    }
    guard !originNames.isEmpty else {
      throw RuntimeError.invalidArgument(op: op, message: "a dataset needs at least one origin name")
    }
    let ids = originIDs ?? [Int32](repeating: 0, count: n)
    guard ids.count == n else {
      throw RuntimeError.invalidArgument(op: op, message: "\(ids.count) origin ids for \(n) samples")
    }
    if let bad = ids.firstIndex(where: { $0 < 0 || Int($0) >= originNames.count }) {
      throw RuntimeError.invalidArgument(op: op, message: "origin id \(ids[bad]) of sample \(bad) is not in 0..<\(originNames.count)")
    }
    self.init(
      unchecked: name, pixels: pixels, labels: labels, classNames: classNames,
      channels: channels, height: height, width: width,
      synthetic: syn, originIDs: ids, originNames: originNames)
  }

  /// Internal constructor for operations whose arrays are consistent by construction.
  init(
    unchecked name: String, pixels: [UInt8], labels: [Int], classNames: [String],
    channels: Int, height: Int, width: Int,
    synthetic: [Bool], originIDs: [Int32], originNames: [String]
  ) {
    self.name = name
    self.pixels = pixels
    self.labels = labels
    self.classNames = classNames
    self.channels = channels
    self.height = height
    self.width = width
    self.synthetic = synthetic
    self.originIDs = originIDs
    self.originNames = originNames
  }

  /// Number of samples.
  public var count: Int { labels.count }
  /// Number of classes.
  public var classCount: Int { classNames.count }
  /// Bytes per image (C * H * W).
  public var imageSize: Int { channels * height * width }
  /// The image shape `[C, H, W]`.
  public var imageShape: [Int] { [channels, height, width] }
  /// Number of synthetic samples.
  public var syntheticCount: Int { synthetic.reduce(0) { $0 + ($1 ? 1 : 0) } }

  /// The origin name of sample `i` (e.g. `fashion-mnist`, `cvae`).
  public func origin(at i: Int) throws -> String {
    try checkIndex(i, op: "origin")
    return originNames[Int(originIDs[i])]
  }

  /// The pixels of sample `i` (C x H x W bytes).
  public func image(at i: Int) throws -> [UInt8] {
    try checkIndex(i, op: "image")
    let s = imageSize
    return Array(pixels[i * s ..< (i + 1) * s])
  }

  /// Sample `i` as a float tensor `[C, H, W]` with values in [0, 1].
  public func imageTensor(at i: Int) throws -> Tensor {
    try checkIndex(i, op: "image")
    let s = imageSize
    let t = Tensor(zeros: imageShape, zeroed: false)
    pixels.withUnsafeBufferPointer { src in
      let p = src.baseAddress! + i * s, out = t.storage.base
      for k in 0..<s { out[k] = Float(p[k]) * (1 / 255) }
    }
    return t
  }

  /// All images as a float tensor `[N, C, H, W]` with values in [0, 1].
  public func imagesTensor() throws -> Tensor {
    try MemoryLimit.check(elements: pixels.count, op: "images")
    let t = Tensor(zeros: [count, channels, height, width], zeroed: false)
    pixels.withUnsafeBufferPointer { src in
      let out = t.storage.base
      for k in 0..<src.count { out[k] = Float(src[k]) * (1 / 255) }
    }
    return t
  }

  /// Number of samples of each class, in class order.
  public var classCounts: [Int] {
    var c = [Int](repeating: 0, count: classCount)
    for l in labels { c[l] += 1 }
    return c
  }

  /// One line: name, size, image shape, classes and how many samples are synthetic.
  ///
  ///     fashion-mnist/train: 60000 images 1x28x28, 10 classes, 0 synthetic
  public var summary: String {
    "\(name): \(count) images \(channels)x\(height)x\(width), \(classCount) classes, \(syntheticCount) synthetic"
  }

  func checkIndex(_ i: Int, op: String) throws {
    guard i >= 0, i < count else { throw RuntimeError.indexOutOfRange(op: op, index: i, size: count) }
  }
}

extension Dataset: CustomStringConvertible {
  public var description: String { summary }
}

extension Dataset {
  /// A real dataset from a float image tensor `[N, C, H, W]` (values in [0, 1], rounded to
  /// 8 bits, clipped; NaN counts as 0) and one class index per image.
  ///
  /// - Parameter classNames: default `"0"`, `"1"`, ... up to the largest label.
  public static func fromTensors(images: Tensor, labels: [Int], classNames: [String]? = nil, name: String = "tensors", origin: String = "tensors") throws -> Dataset {
    let op = "from_tensors"
    guard images.rank == 4 else {
      throw RuntimeError.shapeMismatch(op: op, shapes: [images.shape], detail: "are not images [N, C, H, W]")
    }
    guard images.shape[0] == labels.count else {
      throw RuntimeError.invalidArgument(op: op, message: "\(labels.count) labels for \(images.shape[0]) images")
    }
    let top = labels.max() ?? 0
    guard classNames != nil || top < 100_000 else {
      throw RuntimeError.invalidArgument(op: op, message: "label \(top) is too large for automatic class names; pass class names")
    }
    let names = classNames ?? (0...max(top, 0)).map { String($0) }
    var px = [UInt8](repeating: 0, count: images.count)
    let src = images.storage.base
    for k in 0..<images.count { px[k] = AugmentImage.clamp(src[k] * 255) }
    return try Dataset(
      name: name, pixels: px, labels: labels, classNames: names,
      channels: images.shape[1], height: images.shape[2], width: images.shape[3], originNames: [origin])
  }
}
