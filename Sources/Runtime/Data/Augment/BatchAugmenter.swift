import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Turns uint8 dataset images into a normalised float batch `[B, C, H, W]`, augmenting each
/// image on the way, in parallel over all cores.
///
/// Image j of the batch gets its own generator `RNG.derived(seed, stream, step, j)`, so the
/// result does not depend on how the work is split between threads.
enum BatchAugmenter {
  /// Online CPUs, read once.
  static let cores: Int = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))

  /// Pointers handed to worker threads. Each worker writes a disjoint range of `output`
  /// and only reads `source`, so sharing them is safe.
  struct Shared: @unchecked Sendable {
    let source: UnsafePointer<UInt8>
    let output: UnsafeMutablePointer<Float>
  }

  /// Renders images `indices` of `source` (each `imageSize` bytes, C x H x W) into `output`
  /// (`indices.count * imageSize` floats): augment, scale to [0, 1], normalise per channel.
  /// `firstPosition` is the position of `indices[0]` in the whole batch (a data-parallel shard
  /// renders rows of a larger batch, each with the generator the whole batch would give it).
  static func render(
    source: UnsafePointer<UInt8>, imageSize: Int, indices: [Int], c: Int, h: Int, w: Int,
    augmentation: Augmentation, seed: UInt64, stream: UInt64, step: Int, firstPosition: Int = 0,
    normalization: Normalization, into output: UnsafeMutablePointer<Float>
  ) throws {
    try normalization.check(channels: c, op: "batch")
    let n = indices.count
    if n == 0 { return }
    // x = (p / 255 - mean) / std = p * scale[c] + shift[c]
    let scale = normalization.std.map { 1 / (255 * $0) }
    let shift = zip(normalization.mean, normalization.std).map { -$0 / $1 }
    let shared = Shared(source: source, output: output)
    let plane = h * w
    // A few chunks per core balance uneven op costs; chunk results are independent.
    let chunks = min(n, cores * 4)
    let work: @Sendable (Int) -> Void = { chunk in
      let lo = chunk * n / chunks, hi = (chunk + 1) * n / chunks
      let img = UnsafeMutablePointer<UInt8>.allocate(capacity: imageSize)
      let tmp = UnsafeMutablePointer<UInt8>.allocate(capacity: imageSize)
      defer { img.deallocate(); tmp.deallocate() }
      for j in lo..<hi {
        img.update(from: shared.source + indices[j] * imageSize, count: imageSize)
        var rng = RNG.derived(seed: seed, stream: stream, step: step, position: firstPosition + j)
        augmentation.apply(image: img, scratch: tmp, c: c, h: h, w: w, rng: &rng)
        let out = shared.output + j * imageSize
        for ch in 0..<c {
          let s = scale[ch], b = shift[ch], q = img + ch * plane, o = out + ch * plane
          for k in 0..<plane { o[k] = Float(q[k]) * s + b }
        }
      }
    }
    if chunks == 1 || cores == 1 {
      for ch in 0..<chunks { work(ch) }
    } else {
      DispatchQueue.concurrentPerform(iterations: chunks, execute: work)
    }
  }
}

extension Dataset {
  /// The images at `indices` as a normalised float batch `[B, C, H, W]`, augmented with
  /// `augmentation` (default none, for evaluation). Deterministic for a given `seed` and `step`;
  /// `firstPosition` is the position of `indices[0]` in the batch they are a slice of.
  public func batch(
    _ indices: [Int], normalization: Normalization? = nil, augmentation: Augmentation = .none,
    seed: UInt64 = 0, step: Int = 0, stream: UInt64 = 0, firstPosition: Int = 0
  ) throws -> Tensor {
    if let bad = indices.first(where: { $0 < 0 || $0 >= count }) {
      throw RuntimeError.indexOutOfRange(op: "batch", index: bad, size: count)
    }
    let norm = normalization ?? .identity(channels: channels)
    try MemoryLimit.check(elements: indices.count * imageSize, op: "batch")
    let t = Tensor(zeros: [indices.count, channels, height, width], zeroed: false)
    if indices.isEmpty { return t }
    try pixels.withUnsafeBufferPointer { src in
      try BatchAugmenter.render(
        source: src.baseAddress!, imageSize: imageSize, indices: indices, c: channels, h: height, w: width,
        augmentation: augmentation, seed: seed, stream: stream, step: step, firstPosition: firstPosition, normalization: norm,
        into: t.storage.base)
    }
    return t
  }
}
