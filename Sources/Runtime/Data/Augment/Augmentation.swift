/// An image augmentation policy: none, weak (flip + shift) or strong (weak, RandAugment,
/// Cutout), for 1- or 3-channel uint8 images of any size.
///
/// Weak is the FixMatch weak view (USB, TorchSSL and google-research/fixmatch
/// agree): a horizontal flip with probability 0.5, then a random shift of up to 12.5% of each
/// side (4 px at 32, 3 px at 28) with reflect padding, i.e. `RandomCrop(padding, reflect)`.
/// Horizontal flips are standard for Fashion-MNIST SSL too (google-research/fixmatch mirrors
/// its fashion_mnist images). Strong is weak followed by `RandAugment` (op list and ranges in
/// its doc comment) and Cutout.
///
/// Every random choice comes from the `RNG` passed in, so the same seed gives the same
/// picture; batch code derives one generator per image from (seed, step, position).
public enum Augmentation: Sendable, Equatable {
  /// No change.
  case none
  /// Random horizontal flip (p = 0.5) and reflect-padded shift up to 12.5% of the side.
  case weak
  /// Weak, then RandAugment (n ops, magnitude scale m), then Cutout.
  case strong(RandAugment)

  /// The FixMatch strong policy with `n` ops per image and magnitude scale `m` (0...10).
  public static func strong(n: Int = 2, m: Double = 10) throws -> Augmentation {
    .strong(try RandAugment(n: n, magnitude: m))
  }

  /// A short description, e.g. `strong_aug(n: 2, m: 10)`.
  public var name: String {
    switch self {
    case .none: return "no_aug()"
    case .weak: return "weak_aug()"
    case let .strong(ra):
      let m = ra.magnitude == ra.magnitude.rounded() ? String(Int(ra.magnitude)) : String(ra.magnitude)
      return "strong_aug(n: \(ra.n), m: \(m))"
    }
  }

  /// Augments one image in place. `image` and `scratch` hold `c * h * w` bytes each.
  func apply(image: UnsafeMutablePointer<UInt8>, scratch: UnsafeMutablePointer<UInt8>, c: Int, h: Int, w: Int, rng: inout RNG) {
    if case .none = self { return }
    let img = AugmentImage(p: image, tmp: scratch, c: c, h: h, w: w)
    if rng.uniform() < 0.5 { img.flipHorizontal() }
    let padX = w / 8, padY = h / 8
    let dx = rng.int(below: 2 * padX + 1) - padX, dy = rng.int(below: 2 * padY + 1) - padY
    img.translateReflect(dx: dx, dy: dy)
    if case let .strong(ra) = self { ra.apply(img, rng: &rng) }
  }

  /// Augments a float image tensor `[C, H, W]` or a batch `[N, C, H, W]` with values in
  /// [0, 1]; pixels are quantised to 8 bits first, as the ops are defined on 8-bit images.
  /// Image i of a batch uses the generator derived from (seed, 0, i).
  public func apply(to x: Tensor, seed: UInt64) throws -> Tensor {
    let op = "augment"
    let dims: (n: Int, c: Int, h: Int, w: Int)
    switch x.rank {
    case 3: dims = (1, x.shape[0], x.shape[1], x.shape[2])
    case 4: dims = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    default:
      throw RuntimeError.shapeMismatch(op: op, shapes: [x.shape], detail: "is not an image [C, H, W] or a batch [N, C, H, W]")
    }
    guard dims.c == 1 || dims.c == 3, dims.h >= 1, dims.w >= 1 else {
      throw RuntimeError.shapeMismatch(op: op, shapes: [x.shape], detail: "needs 1 or 3 channels and a non-empty image")
    }
    let size = dims.c * dims.h * dims.w
    if dims.n == 0 { return Tensor(zeros: x.shape) }
    var bytes = [UInt8](repeating: 0, count: x.count)
    let src = x.storage.base
    for k in 0..<x.count { bytes[k] = AugmentImage.clamp(src[k] * 255) }
    let out = Tensor(zeros: x.shape, zeroed: false)
    let stats = Normalization.identity(channels: dims.c)
    try bytes.withUnsafeBufferPointer { b in
      try BatchAugmenter.render(
        source: b.baseAddress!, imageSize: size, indices: Array(0..<dims.n), c: dims.c, h: dims.h, w: dims.w,
        augmentation: self, seed: seed, stream: 0, step: 0, normalization: stats, into: out.storage.base)
    }
    return out
  }
}

extension RNG {
  /// A generator for one (seed, stream, step, position) cell, independent of thread order:
  /// the four numbers are folded through SplitMix64-style mixing into one seed.
  static func derived(seed: UInt64, stream: UInt64, step: Int, position: Int) -> RNG {
    @inline(__always) func mix(_ x: UInt64) -> UInt64 {
      var z = x &+ 0x9E37_79B9_7F4A_7C15
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
    var h = mix(seed)
    h = mix(h ^ stream)
    h = mix(h ^ UInt64(bitPattern: Int64(step)))
    h = mix(h ^ UInt64(bitPattern: Int64(position)))
    return RNG(seed: h)
  }
}
