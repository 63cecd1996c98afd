#if canImport(Glibc)
import Glibc
#endif

/// An RGB8 raster with the drawing primitives the charts need: rectangles, anti-aliased
/// lines and polylines of any width, markers, bitmap text and scaled image tiles.
///
/// Coordinates are in pixels with the origin at the top-left corner; pixel `(i, j)` covers
/// `[i, i+1) x [j, j+1)`, so its centre is `(i + 0.5, j + 0.5)`. Drawing outside the canvas
/// is clipped, never an error.
///
///     var c = Canvas(width: 200, height: 100)
///     c.line(x0: 10, y0: 90, x1: 190, y1: 10, color: Palette.color(0), width: 2)
///     c.text("loss", x: 10, y: 10)
///     try c.write(path: "/tmp/loss.png")
public struct Canvas: Sendable {
  /// The largest width or height; larger requests are clamped.
  public static let maxSide = 16384
  /// The largest pixel count (96 MiB of RGB); taller requests are clamped in height.
  public static let maxPixels = 32 << 20

  /// Width in pixels.
  public let width: Int
  /// Height in pixels.
  public let height: Int
  /// Interleaved RGB bytes, row-major: `pixels[(y * width + x) * 3 + c]`.
  public private(set) var pixels: [UInt8]
  /// Drawing only changes pixels inside this rectangle (`x0..<x1`, `y0..<y1`); charts set it
  /// to the plot area while drawing data so out-of-range values cannot cover the labels.
  public private(set) var clip: (x0: Int, y0: Int, x1: Int, y1: Int)

  /// A canvas filled with `background`; sizes are clamped to `1...Canvas.maxSide` and the
  /// area to `Canvas.maxPixels`. Renderers validate user sizes with `checkSize` first.
  public init(width: Int, height: Int, background: RGB = .white) {
    (self.width, self.height) = Canvas.clampedSize(width: width, height: height)
    pixels = [UInt8](repeating: 0, count: self.width * self.height * 3)
    clip = (0, 0, self.width, self.height)
    fill(background)
  }

  /// The size a `Canvas(width:height:)` request gets after clamping.
  static func clampedSize(width: Int, height: Int) -> (Int, Int) {
    let w = min(max(width, 1), maxSide)
    return (w, min(max(height, 1), maxSide, maxPixels / w))
  }

  /// Limits drawing to the rectangle `[x, x+w) x [y, y+h)` (intersected with the canvas).
  public mutating func setClip(x: Int, y: Int, width w: Int, height h: Int) {
    let (x, y, w, h) = (Canvas.safe(x), Canvas.safe(y), Canvas.safe(max(w, 0)), Canvas.safe(max(h, 0)))
    clip = (max(x, 0), max(y, 0), min(x + w, width), min(y + h, height))
  }

  /// Removes the clip rectangle.
  public mutating func resetClip() { clip = (0, 0, width, height) }

  /// Throws `invalidArgument` naming `op` unless a `width x height` canvas fits the limits
  /// and is at least `minimum` pixels on each side.
  public static func checkSize(width: Int, height: Int, minimum: Int = 1, op: String) throws {
    guard width >= minimum, height >= minimum, width <= maxSide, height <= maxSide, width * height <= maxPixels else {
      throw RuntimeError.invalidArgument(op: op, message: "a picture of \(width)x\(height) pixels is outside the limits (sides \(minimum)...\(maxSide), at most \(maxPixels) pixels)")
    }
  }

  /// Limits a coordinate or length to ±2^30 so arithmetic on it cannot overflow; anything
  /// that far out is off the canvas anyway.
  @inline(__always) static func safe(_ v: Int) -> Int { min(max(v, -(1 << 30)), 1 << 30) }

  /// The product of sizes, or nil on overflow.
  static func product(_ xs: [Int]) -> Int? {
    var p = 1
    for x in xs {
      let (r, o) = p.multipliedReportingOverflow(by: x)
      if o { return nil }
      p = r
    }
    return p
  }

  /// Throws `invalidArgument` naming `op` unless the text/stroke `scale` is in 1...16.
  public static func checkScale(_ scale: Int, op: String) throws {
    guard (1...16).contains(scale) else {
      throw RuntimeError.invalidArgument(op: op, message: "scale must be in 1...16, got \(scale)")
    }
  }

  /// The colour of pixel `(x, y)`, or nil outside the canvas.
  public func pixel(x: Int, y: Int) -> RGB? {
    guard x >= 0, x < width, y >= 0, y < height else { return nil }
    let p = (y * width + x) * 3
    return RGB(pixels[p], pixels[p + 1], pixels[p + 2])
  }

  /// Sets pixel `(x, y)`; ignored outside the canvas.
  public mutating func set(x: Int, y: Int, _ color: RGB) {
    guard x >= clip.x0, x < clip.x1, y >= clip.y0, y < clip.y1 else { return }
    let p = (y * width + x) * 3
    pixels[p] = color.r
    pixels[p + 1] = color.g
    pixels[p + 2] = color.b
  }

  /// Mixes `color` into pixel `(x, y)` with opacity `alpha` in [0, 1].
  public mutating func blend(x: Int, y: Int, _ color: RGB, alpha: Double) {
    guard x >= clip.x0, x < clip.x1, y >= clip.y0, y < clip.y1, alpha > 0 else { return }
    if alpha >= 1 { return set(x: x, y: y, color) }
    let p = (y * width + x) * 3
    let a = Float(alpha)
    pixels[p] = UInt8((Float(pixels[p]) + (Float(color.r) - Float(pixels[p])) * a).rounded())
    pixels[p + 1] = UInt8((Float(pixels[p + 1]) + (Float(color.g) - Float(pixels[p + 1])) * a).rounded())
    pixels[p + 2] = UInt8((Float(pixels[p + 2]) + (Float(color.b) - Float(pixels[p + 2])) * a).rounded())
  }

  /// Paints the whole canvas (the clip rectangle does not apply).
  public mutating func fill(_ color: RGB) {
    for i in 0..<(width * height) {
      pixels[i * 3] = color.r
      pixels[i * 3 + 1] = color.g
      pixels[i * 3 + 2] = color.b
    }
  }

  /// Fills the pixel rectangle `[x, x+w) x [y, y+h)` (clipped), optionally translucent.
  public mutating func fillRect(x: Int, y: Int, width w: Int, height h: Int, color: RGB, alpha: Double = 1) {
    // Saturating arithmetic: any Int arguments are safe.
    let x0 = max(x, 0), y0 = max(y, 0)
    let (xe, ox) = x.addingReportingOverflow(max(w, 0)), (ye, oy) = y.addingReportingOverflow(max(h, 0))
    let x1 = ox ? width : min(xe, width), y1 = oy ? height : min(ye, height)
    guard x0 < x1, y0 < y1 else { return }
    for yy in y0..<y1 {
      for xx in x0..<x1 { blend(x: xx, y: yy, color, alpha: alpha) }
    }
  }

  /// Draws a rectangle outline of `thickness` pixels inside `[x, x+w) x [y, y+h)`.
  public mutating func strokeRect(x: Int, y: Int, width w: Int, height h: Int, color: RGB, thickness: Int = 1) {
    let (x, y, w, h) = (Canvas.safe(x), Canvas.safe(y), Canvas.safe(w), Canvas.safe(h))
    let t = min(max(thickness, 1), 1 << 20)
    fillRect(x: x, y: y, width: w, height: t, color: color)
    fillRect(x: x, y: y + h - t, width: w, height: t, color: color)
    fillRect(x: x, y: y, width: t, height: h, color: color)
    fillRect(x: x + w - t, y: y, width: t, height: h, color: color)
  }

  // MARK: - Anti-aliased strokes

  /// An anti-aliased straight line of `width` pixels with round caps.
  public mutating func line(x0: Double, y0: Double, x1: Double, y1: Double, color: RGB, width: Double = 1, alpha: Double = 1) {
    polyline([(x0, y0), (x1, y1)], color: color, width: width, alpha: alpha)
  }

  /// An anti-aliased polyline with round joins; a non-finite point breaks it into pieces, so
  /// NaN gaps in a series show as gaps.
  public mutating func polyline(_ points: [(x: Double, y: Double)], color: RGB, width: Double = 1, alpha: Double = 1) {
    let hw = max(width, 0.5) / 2
    var run: [(x: Double, y: Double)] = []
    func flush(_ c: inout Canvas) {
      if !run.isEmpty { c.strokeRun(run, halfWidth: hw, color: color, alpha: alpha) }
      run.removeAll(keepingCapacity: true)
    }
    for p in points {
      if p.x.isFinite, p.y.isFinite, abs(p.x) < 1e7, abs(p.y) < 1e7 { run.append(p) } else { flush(&self) }
    }
    flush(&self)
  }

  /// Strokes one connected run; coverage is the maximum over segments so joints do not
  /// darken where segments overlap.
  private mutating func strokeRun(_ pts: [(x: Double, y: Double)], halfWidth hw: Double, color: RGB, alpha: Double) {
    let pad = hw + 1
    // Callers pass finite points within 1e7 of the origin, so the Int conversions are safe.
    let bx0 = max(Int(floor((pts.map(\.x).min() ?? 0) - pad)), 0)
    let by0 = max(Int(floor((pts.map(\.y).min() ?? 0) - pad)), 0)
    let bx1 = min(Int(ceil((pts.map(\.x).max() ?? 0) + pad)), width)
    let by1 = min(Int(ceil((pts.map(\.y).max() ?? 0) + pad)), height)
    guard bx0 < bx1, by0 < by1 else { return }
    let bw = bx1 - bx0
    var cover = [Float](repeating: 0, count: bw * (by1 - by0))
    let segs = pts.count == 1 ? [(pts[0], pts[0])] : (0..<(pts.count - 1)).map { (pts[$0], pts[$0 + 1]) }
    for (a, b) in segs {
      let sx0 = max(Int(floor(min(a.x, b.x) - pad)), bx0), sx1 = min(Int(ceil(max(a.x, b.x) + pad)), bx1)
      let sy0 = max(Int(floor(min(a.y, b.y) - pad)), by0), sy1 = min(Int(ceil(max(a.y, b.y) + pad)), by1)
      guard sx0 < sx1, sy0 < sy1 else { continue }
      let dx = b.x - a.x, dy = b.y - a.y
      let len2 = dx * dx + dy * dy
      for y in sy0..<sy1 {
        let py = Double(y) + 0.5
        for x in sx0..<sx1 {
          let px = Double(x) + 0.5
          var t = len2 > 0 ? ((px - a.x) * dx + (py - a.y) * dy) / len2 : 0
          t = min(max(t, 0), 1)
          let ex = px - (a.x + t * dx), ey = py - (a.y + t * dy)
          let c = Float(min(max(hw + 0.5 - (ex * ex + ey * ey).squareRoot(), 0), 1))
          let i = (y - by0) * bw + (x - bx0)
          if c > cover[i] { cover[i] = c }
        }
      }
    }
    for y in by0..<by1 {
      for x in bx0..<bx1 {
        let c = cover[(y - by0) * bw + (x - bx0)]
        if c > 0 { blend(x: x, y: y, color, alpha: Double(c) * alpha) }
      }
    }
  }

  // MARK: - Shapes

  /// Fills a shape given by an inside test, anti-aliased by 4x4 supersampling per pixel.
  public mutating func fillShape(minX: Double, minY: Double, maxX: Double, maxY: Double, color: RGB, alpha: Double = 1, inside: (Double, Double) -> Bool) {
    guard minX.isFinite, minY.isFinite, maxX.isFinite, maxY.isFinite else { return }
    // Clamp before converting so far-off shapes cannot overflow Int.
    let lim = Double(Canvas.maxSide + 1)
    let x0 = max(Int(floor(min(max(minX, -1), lim))), 0), x1 = min(Int(ceil(min(max(maxX, -1), lim))), width)
    let y0 = max(Int(floor(min(max(minY, -1), lim))), 0), y1 = min(Int(ceil(min(max(maxY, -1), lim))), height)
    guard x0 < x1, y0 < y1 else { return }
    for y in y0..<y1 {
      for x in x0..<x1 {
        var hits = 0
        for sy in 0..<4 {
          for sx in 0..<4 where inside(Double(x) + (Double(sx) + 0.5) / 4, Double(y) + (Double(sy) + 0.5) / 4) { hits += 1 }
        }
        if hits > 0 { blend(x: x, y: y, color, alpha: alpha * Double(hits) / 16) }
      }
    }
  }

  /// A filled anti-aliased disc.
  public mutating func circle(cx: Double, cy: Double, radius r: Double, color: RGB, alpha: Double = 1) {
    fillShape(minX: cx - r, minY: cy - r, maxX: cx + r, maxY: cy + r, color: color, alpha: alpha) { x, y in
      (x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r
    }
  }

  /// A scatter/legend marker of about `size` pixels across, centred on `(cx, cy)`.
  public mutating func marker(_ kind: Marker, cx: Double, cy: Double, size: Double, color: RGB, alpha: Double = 1) {
    let h = size / 2
    switch kind {
    case .circle:
      circle(cx: cx, cy: cy, radius: h, color: color, alpha: alpha)
    case .square:
      let s = h * 0.85
      fillShape(minX: cx - s, minY: cy - s, maxX: cx + s, maxY: cy + s, color: color, alpha: alpha) { x, y in
        abs(x - cx) <= s && abs(y - cy) <= s
      }
    case .diamond:
      fillShape(minX: cx - h, minY: cy - h, maxX: cx + h, maxY: cy + h, color: color, alpha: alpha) { x, y in
        abs(x - cx) + abs(y - cy) <= h
      }
    case .triangle:
      // Upward triangle whose centroid sits on the centre.
      let top = cy - h * 1.1, base = cy + h * 0.75
      fillShape(minX: cx - h, minY: top, maxX: cx + h, maxY: base, color: color, alpha: alpha) { x, y in
        guard y >= top, y <= base else { return false }
        return abs(x - cx) <= h * (y - top) / (base - top)
      }
    case .cross:
      let w = max(size / 4, 1.2)
      line(x0: cx - h, y0: cy - h, x1: cx + h, y1: cy + h, color: color, width: w, alpha: alpha)
      line(x0: cx - h, y0: cy + h, x1: cx + h, y1: cy - h, color: color, width: w, alpha: alpha)
    case .plus:
      let w = max(size / 4, 1.2)
      line(x0: cx - h, y0: cy, x1: cx + h, y1: cy, color: color, width: w, alpha: alpha)
      line(x0: cx, y0: cy - h, x1: cx, y1: cy + h, color: color, width: w, alpha: alpha)
    }
  }

  // MARK: - Text

  /// Draws `text` with the top of its cell at `y`; `align` says whether `x` is the left edge,
  /// the centre or the right edge. Returns the drawn width.
  @discardableResult
  public mutating func text(_ text: String, x: Int, y: Int, color: RGB = .ink, scale: Int = 1, align: TextAlign = .left, font: BitmapFont = .standard) -> Int {
    let s = min(max(scale, 1), 64), x = Canvas.safe(x), y = Canvas.safe(y)
    let w = font.width(of: text, scale: s)
    var cx = x
    switch align {
    case .left: break
    case .center: cx = x - w / 2
    case .right: cx = x - w
    }
    let gw = font.glyphWidth * s, gh = font.glyphHeight * s
    for ch in text {
      let bits = font.bitmap(ch, scale: s)
      for row in 0..<gh {
        for col in 0..<gw where bits[row * gw + col] { set(x: cx + col, y: y + row, color) }
      }
      cx += font.advance * s
    }
    return w
  }

  /// Draws `text` rotated a quarter turn anticlockwise (reading bottom to top), centred
  /// vertically on `cy`, with the top of the glyph cells at column `x`.
  public mutating func verticalText(_ text: String, x: Int, cy: Int, color: RGB = .ink, scale: Int = 1, font: BitmapFont = .standard) {
    let s = min(max(scale, 1), 64), x = Canvas.safe(x), cy = Canvas.safe(cy)
    let w = font.width(of: text, scale: s)
    var baseY = cy + w / 2  // the first character starts at the bottom
    let gw = font.glyphWidth * s, gh = font.glyphHeight * s
    for ch in text {
      let bits = font.bitmap(ch, scale: s)
      for row in 0..<gh {
        // Glyph (col, row) -> canvas (x + row, baseY - 1 - col): rotation by +90 degrees.
        for col in 0..<gw where bits[row * gw + col] { set(x: x + row, y: baseY - 1 - col, color) }
      }
      baseY -= font.advance * s
    }
  }

  // MARK: - Images

  /// Copies a planar uint8 image (`[C, H, W]`, C = 1 grey or 3 RGB; a 4th alpha plane is
  /// ignored) with its top-left at `(x, y)`, each pixel enlarged to `scale x scale`.
  public mutating func image(_ px: [UInt8], channels: Int, height h: Int, width w: Int, x: Int, y: Int, scale: Int = 1) throws {
    guard channels >= 1, channels <= 4, h >= 1, w >= 1, Canvas.product([channels, h, w]) == px.count else {
      throw RuntimeError.invalidArgument(op: "image", message: "\(px.count) bytes do not make a [\(channels), \(h), \(w)] image with 1 to 4 channels")
    }
    let s = min(max(scale, 1), 1 << 10), plane = h * w, x = Canvas.safe(x), y = Canvas.safe(y)
    for yy in 0..<h {
      for xx in 0..<w {
        let i = yy * w + xx
        let c = channels >= 3 ? RGB(px[i], px[plane + i], px[2 * plane + i]) : RGB(px[i], px[i], px[i])
        fillRect(x: x + xx * s, y: y + yy * s, width: s, height: s, color: c)
      }
    }
  }

  // MARK: - Output

  /// The canvas as PNG bytes (8-bit RGB).
  public func pngBytes() throws -> [UInt8] {
    try PNGCodec.encode(pixels: pixels, width: width, height: height, channels: 3)
  }

  /// Writes the canvas as a PNG file (atomically).
  public func write(path: String) throws {
    try PNGCodec.write(path: path, pixels: pixels, width: width, height: height, channels: 3)
  }
}

/// Horizontal anchoring of text relative to the given x.
public enum TextAlign: Sendable {
  /// `x` is the left edge.
  case left
  /// `x` is the centre.
  case center
  /// `x` is the right edge.
  case right
}

/// Marker shapes for scatter plots; categories cycle through them so they differ by shape as
/// well as colour.
public enum Marker: Int, CaseIterable, Sendable {
  /// A filled disc.
  case circle
  /// A filled upward triangle.
  case triangle
  /// A filled square.
  case square
  /// A filled diamond.
  case diamond
  /// An x of two strokes.
  case cross
  /// A + of two strokes.
  case plus

  /// The marker of category `i` (cycles).
  public static func of(_ i: Int) -> Marker {
    let n = allCases.count
    return allCases[((i % n) + n) % n]
  }
}
