/// Subsets, reordering, concatenation and relabelling of provenance; every result keeps
/// each sample's label, provenance flag and origin.
extension Dataset {
  /// The samples at `indices`, in that order (repeats allowed).
  ///
  /// Throws `indexOutOfRange` naming the first bad index.
  public func subset(_ indices: [Int], name: String? = nil) throws -> Dataset {
    if let bad = indices.first(where: { $0 < 0 || $0 >= count }) {
      throw RuntimeError.indexOutOfRange(op: "subset", index: bad, size: count)
    }
    // Repeated indices can ask for far more pixels than the source holds.
    let (bytes, overflow) = indices.count.multipliedReportingOverflow(by: imageSize)
    try MemoryLimit.check(bytes: overflow ? Int.max : bytes, op: "subset")
    return gather(indices, name: name ?? self.name)
  }

  /// Copies the samples at valid `indices` into a new dataset.
  func gather(_ indices: [Int], name: String) -> Dataset {
    let s = imageSize
    var px = [UInt8](repeating: 0, count: indices.count * s)
    px.withUnsafeMutableBufferPointer { dst in
      pixels.withUnsafeBufferPointer { src in
        for (j, i) in indices.enumerated() {
          (dst.baseAddress! + j * s).update(from: src.baseAddress! + i * s, count: s)
        }
      }
    }
    return Dataset(
      unchecked: name, pixels: px, labels: indices.map { labels[$0] }, classNames: classNames,
      channels: channels, height: height, width: width,
      synthetic: indices.map { synthetic[$0] }, originIDs: indices.map { originIDs[$0] },
      originNames: originNames)
  }

  /// A random permutation of the samples; the same seed gives the same order.
  public func shuffled(seed: UInt64) -> Dataset {
    var rng = RNG(seed: seed)
    return gather(rng.permutation(count), name: name)
  }

  /// The first `n` samples (all of them when `n >= count`).
  public func take(_ n: Int) throws -> Dataset {
    guard n >= 0 else {
      throw RuntimeError.invalidArgument(op: "take", message: "n must be >= 0, got \(n)")
    }
    return gather(Array(0..<min(n, count)), name: name)
  }

  /// The samples whose class is in `classes` (class indices), in dataset order.
  public func filter(classes: [Int]) throws -> Dataset {
    if let bad = classes.first(where: { $0 < 0 || $0 >= classCount }) {
      throw RuntimeError.invalidArgument(op: "filter", message: "class \(bad) is not in 0..<\(classCount)")
    }
    var keep = [Bool](repeating: false, count: classCount)
    for c in classes { keep[c] = true }
    return gather(labels.indices.filter { keep[labels[$0]] }, name: name)
  }

  /// The same samples under another display name.
  public func renamed(_ newName: String) -> Dataset {
    Dataset(
      unchecked: newName, pixels: pixels, labels: labels, classNames: classNames,
      channels: channels, height: height, width: width,
      synthetic: synthetic, originIDs: originIDs, originNames: originNames)
  }

  /// The same samples, all marked synthetic and coming from `origin` (e.g. an imported
  /// folder of generated images).
  public func markSynthetic(origin: String? = nil) -> Dataset {
    let o = origin ?? (originNames.count == 1 ? originNames[0] : name)
    return Dataset(
      unchecked: name, pixels: pixels, labels: labels, classNames: classNames,
      channels: channels, height: height, width: width,
      synthetic: [Bool](repeating: true, count: count),
      originIDs: [Int32](repeating: 0, count: count), originNames: [o])
  }

  /// The samples of `datasets` one after another.
  ///
  /// All must share the image shape and the class names; origin tables are merged by name.
  public static func concat(_ datasets: [Dataset], name: String? = nil) throws -> Dataset {
    guard let first = datasets.first else {
      throw RuntimeError.invalidArgument(op: "concat", message: "needs at least one dataset")
    }
    var origins: [String] = []
    var originIndex: [String: Int32] = [:]
    var px: [UInt8] = [], labels: [Int] = [], syn: [Bool] = [], ids: [Int32] = []
    let total = datasets.reduce(0) { $0 &+ $1.pixels.count }
    try MemoryLimit.check(bytes: total < 0 ? Int.max : total, op: "concat")
    px.reserveCapacity(total)
    for d in datasets {
      guard d.imageShape == first.imageShape else {
        throw RuntimeError.shapeMismatch(
          op: "concat", shapes: [first.imageShape, d.imageShape],
          detail: "differ: \(first.name) and \(d.name) need the same channels and image size")
      }
      guard d.classNames == first.classNames else {
        let detail: String
        if let k = zip(first.classNames, d.classNames).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
          detail = "class \(k) is '\(first.classNames[k])' in one and '\(d.classNames[k])' in the other"
        } else {
          detail = "\(first.classNames.count) vs \(d.classNames.count) classes"
        }
        throw RuntimeError.invalidArgument(
          op: "concat", message: "\(first.name) and \(d.name) have different classes: \(detail)")
      }
      var remap: [Int32] = []
      for o in d.originNames {
        if let k = originIndex[o] { remap.append(k) } else {
          let k = Int32(origins.count)
          origins.append(o)
          originIndex[o] = k
          remap.append(k)
        }
      }
      px.append(contentsOf: d.pixels)
      labels.append(contentsOf: d.labels)
      syn.append(contentsOf: d.synthetic)
      ids.append(contentsOf: d.originIDs.map { remap[Int($0)] })
    }
    return Dataset(
      unchecked: name ?? datasets.map(\.name).joined(separator: "+"), pixels: px, labels: labels,
      classNames: first.classNames, channels: first.channels, height: first.height, width: first.width,
      synthetic: syn, originIDs: ids, originNames: origins)
  }

  /// Per-channel mean and standard deviation of the pixels scaled to [0, 1], for
  /// normalising network inputs.
  public func channelStats() -> Normalization {
    var sum = [Double](repeating: 0, count: channels), sq = [Double](repeating: 0, count: channels)
    let plane = height * width
    pixels.withUnsafeBufferPointer { p in
      for i in 0..<count {
        for c in 0..<channels {
          let base = p.baseAddress! + (i * channels + c) * plane
          // Integer sums per plane are exact and much faster than Double accumulation.
          var s = 0, s2 = 0
          for k in 0..<plane { let v = Int(base[k]); s += v; s2 += v * v }
          sum[c] += Double(s); sq[c] += Double(s2)
        }
      }
    }
    let n = Double(max(count * plane, 1))
    var mean = [Float](), std = [Float]()
    for c in 0..<channels {
      let m = sum[c] / n
      let v = max(sq[c] / n - m * m, 0)
      mean.append(Float(m / 255))
      std.append(Float(max(v.squareRoot() / 255, 1e-3)))
    }
    return Normalization(mean: mean, std: std)
  }
}
