/// A labeled training batch: normalised, augmented images with their labels and the indices
/// of the samples in the dataset.
public struct LabeledBatch: Sendable {
  /// Images `[B, C, H, W]`, normalised.
  public let images: Tensor
  /// Class index per image.
  public let labels: [Int]
  /// Dataset index per image.
  public let indices: [Int]
}

/// An unlabeled training batch: the weak and the strong view of the same images, and their
/// dataset indices. No labels and no provenance: evaluation code looks those up by index.
public struct UnlabeledBatch: Sendable {
  /// Weakly augmented images `[B, C, H, W]`, normalised.
  public let weak: Tensor
  /// Strongly augmented views of the same images, in the same order.
  public let strong: Tensor
  /// Dataset index per image.
  public let indices: [Int]
}

/// Everything needed to resume a sampler exactly where it stopped (saved in checkpoints).
public struct SamplerState: Sendable, Equatable, Codable {
  /// The permutation generator's state at the start of the current epoch (4 words).
  public var epochRNG: [UInt64]
  /// Position within the current epoch's permutation.
  public var position: Int
  /// Completed epochs.
  public var epoch: Int
  /// Batches drawn so far (feeds the per-image augmentation generators).
  public var step: Int
  /// Size of the dataset the state belongs to (checked on import).
  public var count: Int
}

/// An endless stream of sample indices made of concatenated random permutations of
/// `0..<count` (one per epoch), as USB's samplers do; a batch may straddle two epochs.
struct EpochStream {
  let count: Int
  private var rng: RNG
  private var epochStart: RNG
  private var order: [Int]
  private(set) var position = 0
  private(set) var epoch = 0

  /// Full passes finished (the current permutation counts once it is used up).
  var completedEpochs: Int { epoch + (position == count ? 1 : 0) }

  /// `role` keeps labeled and unlabeled streams independent even under the same seed.
  init(count: Int, seed: UInt64, role: UInt64) {
    self.count = count
    rng = RNG.derived(seed: seed, stream: 0x5045_524D_0000 | role, step: 0, position: 0)  // "PERM"
    epochStart = rng
    order = rng.permutation(count)
  }

  mutating func next(_ n: Int) -> [Int] {
    var out: [Int] = []
    out.reserveCapacity(n)
    while out.count < n {
      if position == count {
        epoch += 1
        epochStart = rng
        order = rng.permutation(count)
        position = 0
      }
      let take = min(n - out.count, count - position)
      out.append(contentsOf: order[position ..< position + take])
      position += take
    }
    return out
  }

  func state(step: Int) -> SamplerState {
    let s = epochStart.state
    return SamplerState(epochRNG: [s.0, s.1, s.2, s.3], position: position, epoch: epoch, step: step, count: count)
  }

  mutating func restore(_ s: SamplerState, op: String) throws {
    guard s.count == count else {
      throw RuntimeError.invalidArgument(op: op, message: "the saved state is for a dataset of \(s.count) samples, this one has \(count)")
    }
    guard s.epochRNG.count == 4, s.position >= 0, s.position <= count, s.epoch >= 0, s.step >= 0 else {
      throw RuntimeError.invalidArgument(op: op, message: "the saved sampler state is malformed")
    }
    var r = RNG(seed: 0)
    r.state = (s.epochRNG[0], s.epochRNG[1], s.epochRNG[2], s.epochRNG[3])
    epochStart = r
    order = r.permutation(count)  // advances r exactly as drawing the epoch did
    rng = r
    position = s.position
    epoch = s.epoch
  }
}

/// Draws labeled batches from epoch-wise random permutations, augmented (weak by default)
/// and normalised; deterministic for a seed, resumable from `state`.
///
///     let sampler = try LabeledSampler(dataset: labeled, batchSize: 64, seed: 1, normalization: stats)
///     let b = try sampler.next()   // b.images [64, 1, 28, 28], b.labels, b.indices
public final class LabeledSampler {
  /// The dataset sampled from.
  public let dataset: Dataset
  /// Images per batch.
  public let batchSize: Int
  /// The augmentation applied to every image.
  public let augmentation: Augmentation
  /// The per-channel normalisation applied after augmentation.
  public let normalization: Normalization
  let seed: UInt64
  /// The index stream and the batch prepared ahead.
  var feed: PrefetchingStream<LabeledBatch>
  /// The following batch, being prepared on a background thread while the caller computes.
  var ahead: Ahead<LabeledBatch>? { feed.ahead }
  /// Whether `next()` prepares the following batch on a background thread while the caller
  /// computes (the trainer turns this on). The batches are the same either way: the indices
  /// are drawn in the same order and every image's augmentation has its own generator.
  public var prefetches: Bool {
    get { feed.prefetches }
    set { feed.prefetches = newValue }
  }
  /// Batches returned so far.
  public var step: Int { feed.step }

  /// - Parameter normalization: default `dataset.channelStats()`; pass the same statistics
  ///   to every sampler and to evaluation.
  public init(dataset: Dataset, batchSize: Int, seed: UInt64, augmentation: Augmentation = .weak, normalization: Normalization? = nil) throws {
    try checkSampler(dataset: dataset, batchSize: batchSize, op: "labeled sampler")
    self.dataset = dataset
    self.batchSize = batchSize
    self.augmentation = augmentation
    self.normalization = normalization ?? dataset.channelStats()
    try self.normalization.check(channels: dataset.channels, op: "labeled sampler")
    self.seed = seed
    feed = PrefetchingStream(stream: EpochStream(count: dataset.count, seed: seed, role: 1), batchSize: batchSize)
  }

  /// Completed passes over the dataset.
  public var epoch: Int { feed.epoch }

  /// The next batch, or only its rows `rows` (a data-parallel shard: the stream advances by the
  /// whole batch and each row gets the augmentation the whole batch would give it).
  public func next(rows: Range<Int>? = nil) throws -> LabeledBatch {
    try feed.next(rows: rows) { render($0, step: $1, rows: $2) }
  }

  /// The work that renders rows `rows` of a drawn batch; it reads only immutable state.
  func render(_ all: [Int], step: Int, rows: Range<Int>?) -> @Sendable () throws -> LabeledBatch {
    let idx = Array(all[rows ?? 0..<all.count]), first = rows?.lowerBound ?? 0
    let (dataset, normalization, augmentation, seed) = (dataset, normalization, augmentation, seed)
    return {
      let images = try dataset.batch(idx, normalization: normalization, augmentation: augmentation, seed: seed, step: step,
                                     stream: 1, firstPosition: first)
      return LabeledBatch(images: images, labels: idx.map { dataset.labels[$0] }, indices: idx)
    }
  }

  /// The resumable state (permutation position, generator, step) after the batches returned.
  public var state: SamplerState { feed.state }

  /// Continues from a saved state: the following batches equal those the saved sampler
  /// would have drawn.
  public func restore(_ s: SamplerState) throws {
    try feed.restore(s, op: "labeled sampler")
  }
}

/// Draws unlabeled batches (`batchSize` = mu x B images) from epoch-wise random permutations
/// and returns a weak and a strong view of each image; deterministic for a seed, resumable.
public final class UnlabeledSampler {
  /// The dataset sampled from.
  public let dataset: Dataset
  /// Images per batch.
  public let batchSize: Int
  /// Augmentation of the weak view.
  public let weak: Augmentation
  /// Augmentation of the strong view.
  public let strong: Augmentation
  /// The per-channel normalisation applied after augmentation.
  public let normalization: Normalization
  let seed: UInt64
  /// The index stream and the batch prepared ahead.
  var feed: PrefetchingStream<UnlabeledBatch>
  /// The following batch, being prepared on a background thread while the caller computes.
  var ahead: Ahead<UnlabeledBatch>? { feed.ahead }
  /// Whether `next()` prepares the following batch on a background thread (see
  /// `LabeledSampler.prefetches`).
  public var prefetches: Bool {
    get { feed.prefetches }
    set { feed.prefetches = newValue }
  }
  /// Batches returned so far.
  public var step: Int { feed.step }

  /// - Parameters:
  ///   - weak: default `.weak`.
  ///   - strong: default `strong_aug(n: 2, m: 10)`.
  ///   - normalization: default `dataset.channelStats()`.
  public init(
    dataset: Dataset, batchSize: Int, seed: UInt64, weak: Augmentation = .weak, strong: Augmentation? = nil,
    normalization: Normalization? = nil
  ) throws {
    try checkSampler(dataset: dataset, batchSize: batchSize, op: "unlabeled sampler")
    self.dataset = dataset
    self.batchSize = batchSize
    self.weak = weak
    self.strong = try strong ?? Augmentation.strong(n: 2, m: 10)
    self.normalization = normalization ?? dataset.channelStats()
    try self.normalization.check(channels: dataset.channels, op: "unlabeled sampler")
    self.seed = seed
    feed = PrefetchingStream(stream: EpochStream(count: dataset.count, seed: seed, role: 2), batchSize: batchSize)
  }

  /// Completed passes over the dataset.
  public var epoch: Int { feed.epoch }

  /// The next batch: weak and strong views of the same images; with `rows`, only those rows
  /// of it (see `LabeledSampler.next(rows:)`).
  public func next(rows: Range<Int>? = nil) throws -> UnlabeledBatch {
    try feed.next(rows: rows) { render($0, step: $1, rows: $2) }
  }

  /// The work that renders both views of rows `rows` of a drawn batch.
  func render(_ all: [Int], step: Int, rows: Range<Int>?) -> @Sendable () throws -> UnlabeledBatch {
    let idx = Array(all[rows ?? 0..<all.count]), first = rows?.lowerBound ?? 0
    let (dataset, normalization, weak, strong, seed) = (dataset, normalization, weak, strong, seed)
    return {
      let w = try dataset.batch(idx, normalization: normalization, augmentation: weak, seed: seed, step: step, stream: 2,
                                firstPosition: first)
      let s = try dataset.batch(idx, normalization: normalization, augmentation: strong, seed: seed, step: step, stream: 3,
                                firstPosition: first)
      return UnlabeledBatch(weak: w, strong: s, indices: idx)
    }
  }

  /// The resumable state (permutation position, generator, step) after the batches returned.
  public var state: SamplerState { feed.state }

  /// Continues from a saved state.
  public func restore(_ s: SamplerState) throws {
    try feed.restore(s, op: "unlabeled sampler")
  }
}

func checkSampler(dataset: Dataset, batchSize: Int, op: String) throws {
  guard dataset.count > 0 else {
    throw RuntimeError.invalidArgument(op: op, message: "\(dataset.name) is empty")
  }
  guard batchSize >= 1 else {
    throw RuntimeError.invalidArgument(op: op, message: "batch size must be >= 1, got \(batchSize)")
  }
  let (elements, overflow) = batchSize.multipliedReportingOverflow(by: dataset.imageSize)
  try MemoryLimit.check(elements: overflow ? Int.max / 8 : elements, op: op)
}
