/// RandAugment as used by FixMatch-style SSL: `n` ops drawn uniformly **with replacement**
/// from the 14-op list below, each always applied with a magnitude drawn uniformly from its
/// range, then Cutout.
///
/// The op list and ranges are USB's `semilearn/datasets/augmentation/randaugment.py`
/// (`fixmatch_augment_pool`; TorchSSL has the same list), from the FixMatch paper's
/// RandAugment variant (Sohn et al. 2020, Table 12):
///
/// | op | magnitude range |
/// |---|---|
/// | AutoContrast, Equalize, Identity | none |
/// | Brightness, Color, Contrast, Sharpness | [0.05, 0.95] (enhance factor; 1 = unchanged) |
/// | Posterize | [4, 8] bits kept |
/// | Rotate | [-30, 30] degrees |
/// | ShearX, ShearY | [-0.3, 0.3] |
/// | Solarize | [0, 256] threshold |
/// | TranslateX, TranslateY | [-0.3, 0.3] x side |
///
/// Cutout: a square of side v x side, v ~ U(0, 0.5), centred uniformly at random and
/// clipped at the borders, filled with grey (125, 123, 114) for RGB as USB, 127 for grey.
///
/// `magnitude` (the `m` of `strong_aug(n:, m:)`, 0...10) scales how far each op may move from
/// its identity value: a drawn value v becomes `identity + (m / 10) (v - identity)` (identity =
/// 1 for the enhance factors, 8 bits, threshold 256, 0 degrees/shear/shift). m = 10, the
/// default, is exactly the published random-magnitude range; m = 0 turns every op that has a
/// magnitude into the identity (AutoContrast and Equalize have none). Cutout is not scaled.
public struct RandAugment: Sendable, Equatable {
  /// The 14 ops of the FixMatch RandAugment pool.
  public enum Op: Int, CaseIterable, Sendable {
    case autoContrast, brightness, color, contrast, equalize, identity, posterize
    case rotate, sharpness, shearX, shearY, solarize, translateX, translateY

    /// The magnitude range and the identity value, nil for ops without a magnitude.
    var range: (lo: Float, hi: Float, identity: Float)? {
      switch self {
      case .autoContrast, .equalize, .identity: return nil
      case .brightness, .color, .contrast, .sharpness: return (0.05, 0.95, 1)
      case .posterize: return (4, 8, 8)
      case .rotate: return (-30, 30, 0)
      case .shearX, .shearY, .translateX, .translateY: return (-0.3, 0.3, 0)
      case .solarize: return (0, 256, 256)
      }
    }
  }

  /// Ops per image.
  public var n: Int
  /// Magnitude scale m in 0...10 (10 = the full published ranges).
  public var magnitude: Double

  /// Creates a RandAugment policy; throws when `n < 0` or `m` is outside 0...10.
  public init(n: Int = 2, magnitude: Double = 10) throws {
    guard n >= 0, n <= 16 else {
      throw RuntimeError.invalidArgument(op: "strong_aug", message: "n must be in 0...16 ops per image, got \(n)")
    }
    guard magnitude.isFinite, magnitude >= 0, magnitude <= 10 else {
      throw RuntimeError.invalidArgument(op: "strong_aug", message: "m must be in [0, 10], got \(magnitude)")
    }
    self.n = n
    self.magnitude = magnitude
  }

  /// Applies `n` random ops, then Cutout.
  func apply(_ img: AugmentImage, rng: inout RNG) {
    let scale = Float(magnitude / 10)
    for _ in 0..<n {
      let op = Op.allCases[rng.int(below: Op.allCases.count)]
      var v: Float = 0
      if let r = op.range {
        let drawn = r.lo + (r.hi - r.lo) * rng.uniform()
        v = r.identity + scale * (drawn - r.identity)
      }
      RandAugment.apply(op, v, img)
    }
    cutout(img, rng: &rng)
  }

  static func apply(_ op: Op, _ v: Float, _ img: AugmentImage) {
    switch op {
    case .autoContrast: img.autoContrast()
    case .brightness: img.brightness(v)
    case .color: img.color(v)
    case .contrast: img.contrast(v)
    case .equalize: img.equalize()
    case .identity: break
    case .posterize: img.posterize(bits: Int(v))
    case .rotate: img.rotate(degrees: v)
    case .sharpness: img.sharpness(v)
    case .shearX: img.affine(1, v, 0, 0, 1, 0)
    case .shearY: img.affine(1, 0, 0, v, 1, 0)
    case .solarize: img.solarize(threshold: v)
    case .translateX: img.affine(1, 0, v * Float(img.w), 0, 1, 0)
    case .translateY: img.affine(1, 0, 0, 0, 1, v * Float(img.h))
    }
  }

  /// USB's `Cutout(img, v)` with v ~ U(0, 0.5): side v x size, random centre, clipped.
  func cutout(_ img: AugmentImage, rng: inout RNG) {
    let v = 0.5 * rng.uniform()
    let sw = v * Float(img.w), sh = v * Float(img.h)
    let cx = rng.uniform() * Float(img.w), cy = rng.uniform() * Float(img.h)
    let x0 = Int(max(0, cx - sw / 2)), y0 = Int(max(0, cy - sh / 2))
    let x1 = min(img.w, Int(Float(x0) + sw)), y1 = min(img.h, Int(Float(y0) + sh))
    img.fillRect(x0: x0, y0: y0, x1: x1, y1: y1, fill: img.c == 3 ? [125, 123, 114] : [127])
  }
}
