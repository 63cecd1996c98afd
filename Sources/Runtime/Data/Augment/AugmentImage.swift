/// One uint8 image (C x H x W planes) being augmented in place, with a scratch buffer of
/// the same size for ops that read and write different pixels.
///
/// Pixel ops follow PIL's semantics (the library the FixMatch code bases call): results are
/// rounded and clamped to 0...255 after every op, geometric ops sample nearest-neighbour at
/// pixel centres and fill uncovered pixels with 0.
struct AugmentImage {
  let p: UnsafeMutablePointer<UInt8>
  let tmp: UnsafeMutablePointer<UInt8>
  let c: Int, h: Int, w: Int
  var plane: Int { h * w }
  var size: Int { c * h * w }

  /// Rounds to the nearest byte, clamping to 0...255 (NaN gives 0).
  @inline(__always) static func clamp(_ v: Float) -> UInt8 {
    guard v > 0 else { return 0 }
    return v >= 255 ? 255 : UInt8(v + 0.5)
  }

  // MARK: - Geometry

  /// Mirrors every row.
  func flipHorizontal() {
    for row in 0..<(c * h) {
      let r = p + row * w
      var i = 0, j = w - 1
      while i < j { let t = r[i]; r[i] = r[j]; r[j] = t; i += 1; j -= 1 }
    }
  }

  /// Shifts by (dx, dy) pixels, filling with the reflection of the image (no edge repeat),
  /// which equals reflect-padding then cropping at an offset.
  func translateReflect(dx: Int, dy: Int) {
    if dx == 0 && dy == 0 { return }
    @inline(__always) func reflect(_ i: Int, _ n: Int) -> Int {
      if n == 1 { return 0 }
      var k = i
      let period = 2 * (n - 1)
      k %= period
      if k < 0 { k += period }
      return k < n ? k : period - k
    }
    for ch in 0..<c {
      let src = p + ch * plane, dst = tmp + ch * plane
      for y in 0..<h {
        let sy = reflect(y + dy, h) * w, out = dst + y * w
        for x in 0..<w { out[x] = src[sy + reflect(x + dx, w)] }
      }
    }
    p.update(from: tmp, count: size)
  }

  /// The PIL `Image.transform(AFFINE, (a, b, cc, d, e, f))` map: output pixel (x, y) takes the
  /// input pixel at (a x + b y + cc, d x + e y + f), measured at pixel centres; outside is `fill`.
  func affine(_ a: Float, _ b: Float, _ cc: Float, _ d: Float, _ e: Float, _ f: Float, fill: UInt8 = 0) {
    for y in 0..<h {
      let yc = Float(y) + 0.5
      for x in 0..<w {
        let xc = Float(x) + 0.5
        let sx = (a * xc + b * yc + cc).rounded(.down), sy = (d * xc + e * yc + f).rounded(.down)
        let o = y * w + x
        if sx >= 0, sy >= 0, sx < Float(w), sy < Float(h) {
          let s = Int(sy) * w + Int(sx)
          for ch in 0..<c { tmp[ch * plane + o] = p[ch * plane + s] }
        } else {
          for ch in 0..<c { tmp[ch * plane + o] = fill }
        }
      }
    }
    p.update(from: tmp, count: size)
  }

  /// Rotates counter-clockwise by `degrees` about the centre (PIL `Image.rotate`).
  func rotate(degrees: Float) {
    let rad = -degrees * Float.pi / 180
    let cs = cosf(rad), sn = sinf(rad)
    let cx = Float(w) / 2, cy = Float(h) / 2
    affine(cs, sn, cx - cs * cx - sn * cy, -sn, cs, cy + sn * cx - cs * cy)
  }

  // MARK: - Pixel maps

  /// Blends towards a degenerate image: out = deg + factor (img - deg) (PIL ImageEnhance).
  /// `deg` points at a full C x H x W image.
  func blend(from deg: UnsafePointer<UInt8>, factor: Float) {
    for k in 0..<size {
      let d = Float(deg[k])
      p[k] = AugmentImage.clamp(d + factor * (Float(p[k]) - d))
    }
  }

  /// ITU-R 601-2 luma of pixel k (PIL's "L" conversion) for RGB; the value itself for grey.
  @inline(__always) func luma(_ k: Int) -> Float {
    if c == 3 {
      return (Float(p[k]) * 299 + Float(p[k + plane]) * 587 + Float(p[k + 2 * plane]) * 114) / 1000
    }
    return Float(p[k])
  }

  /// Brightness: blend with black.
  func brightness(_ v: Float) {
    for k in 0..<size { p[k] = AugmentImage.clamp(Float(p[k]) * v) }
  }

  /// Color (saturation): blend with the grey version; identity on grey images.
  func color(_ v: Float) {
    guard c == 3 else { return }
    for k in 0..<plane { let g = AugmentImage.clamp(luma(k)); tmp[k] = g; tmp[k + plane] = g; tmp[k + 2 * plane] = g }
    blend(from: tmp, factor: v)
  }

  /// Contrast: blend with the mean grey level (rounded, as PIL).
  func contrast(_ v: Float) {
    var sum: Float = 0
    for k in 0..<plane { sum += Float(AugmentImage.clamp(luma(k))) }
    let mean = (sum / Float(plane)).rounded()
    for k in 0..<size { p[k] = AugmentImage.clamp(mean + v * (Float(p[k]) - mean)) }
  }

  /// Sharpness: blend with PIL's SMOOTH filter ([[1,1,1],[1,5,1],[1,1,1]] / 13), whose border
  /// pixels are the original ones.
  func sharpness(_ v: Float) {
    tmp.update(from: p, count: size)
    if h >= 3, w >= 3 {
      for ch in 0..<c {
        let s = p + ch * plane, d = tmp + ch * plane
        for y in 1..<(h - 1) {
          for x in 1..<(w - 1) {
            let o = y * w + x
            var acc = Int(s[o]) * 5
            acc += Int(s[o - w - 1]) + Int(s[o - w]) + Int(s[o - w + 1])
            acc += Int(s[o - 1]) + Int(s[o + 1])
            acc += Int(s[o + w - 1]) + Int(s[o + w]) + Int(s[o + w + 1])
            d[o] = UInt8((acc + 6) / 13)
          }
        }
      }
    }
    blend(from: tmp, factor: v)
  }

  /// Stretches each channel's range to 0...255 (PIL ImageOps.autocontrast, cutoff 0).
  func autoContrast() {
    for ch in 0..<c {
      let q = p + ch * plane
      var lo: UInt8 = 255, hi: UInt8 = 0
      for k in 0..<plane { lo = min(lo, q[k]); hi = max(hi, q[k]) }
      if hi <= lo { continue }
      let scale = 255 / Float(hi - lo), offset = -Float(lo) * scale
      for k in 0..<plane {
        let v = Float(q[k]) * scale + offset
        q[k] = v <= 0 ? 0 : v >= 255 ? 255 : UInt8(v)
      }
    }
  }

  /// Histogram equalisation per channel with PIL's look-up table (ImageOps.equalize).
  func equalize() {
    var hist = [Int](repeating: 0, count: 256)
    var lut = [UInt8](repeating: 0, count: 256)
    for ch in 0..<c {
      let q = p + ch * plane
      for i in 0..<256 { hist[i] = 0 }
      for k in 0..<plane { hist[Int(q[k])] += 1 }
      guard let last = hist.lastIndex(where: { $0 > 0 }) else { continue }
      let step = (plane - hist[last]) / 255
      if step == 0 { continue }
      var n = step / 2
      for i in 0..<256 { lut[i] = UInt8(min(n / step, 255)); n += hist[i] }
      for k in 0..<plane { q[k] = lut[Int(q[k])] }
    }
  }

  /// Keeps the top `bits` bits of every value.
  func posterize(bits: Int) {
    let b = max(1, min(8, bits))
    let mask = UInt8(truncatingIfNeeded: ~((1 << (8 - b)) - 1))
    for k in 0..<size { p[k] &= mask }
  }

  /// Inverts every value at or above `threshold`.
  func solarize(threshold: Float) {
    for k in 0..<size where Float(p[k]) >= threshold { p[k] = 255 - p[k] }
  }

  /// Fills the rectangle [x0, x1) x [y0, y1) with `fill` (one value per channel, or one for all).
  func fillRect(x0: Int, y0: Int, x1: Int, y1: Int, fill: [UInt8]) {
    guard x1 > x0, y1 > y0 else { return }
    for ch in 0..<c {
      let v = fill[fill.count == c ? ch : 0], q = p + ch * plane
      for y in y0..<y1 { for x in x0..<x1 { q[y * w + x] = v } }
    }
  }
}

#if canImport(Glibc)
import Glibc
#endif
