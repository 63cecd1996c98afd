import CPNG
#if canImport(Glibc)
import Glibc
#endif

/// PNG encoding and decoding through libpng's *simplified* API.
///
/// The simplified API (`png_image_*`) reports failures by return code and a message in the
/// `png_image` struct; the classic API reports them by `longjmp`, which must never cross
/// Swift frames. So only `png_image_*` functions are called here.
///
/// Pixels are interleaved, row-major, 8 bits per channel: `pixels[(y * width + x) * channels + c]`.
/// Decoding accepts every PNG colour type and bit depth (grey, grey+alpha, RGB, RGBA, palette;
/// 1 to 16 bits). 16-bit files without gamma information are taken as sRGB-encoded (as image
/// tools write them), so they scale to 8 bits without a gamma change. libpng's simplified
/// API is colour-managed: a file whose gAMA/sRGB/cHRM chunks declare an encoding other than
/// sRGB (e.g. linear 16-bit) is converted to sRGB; ordinary files decode to their stored values.
///
///     let png = try PNGCodec.encode(pixels: rgb, width: 28, height: 28, channels: 3)
///     let img = try PNGCodec.decode(png)        // img.channels == 3, img.pixels == rgb
public enum PNGCodec {
  // libpng's PNG_FORMAT_FLAG_* values (the composite PNG_FORMAT_* macros do not import).
  private static let flagAlpha: UInt32 = 0x01
  private static let flagColor: UInt32 = 0x02
  private static let flagLinear: UInt32 = 0x04
  private static let flagColormap: UInt32 = 0x08
  private static let imageFlag16BitSRGB: UInt32 = 0x04
  /// The largest image accepted, in pixels (a guard against hostile headers).
  public static let maxPixels = 1 << 28

  /// Decodes PNG bytes to interleaved 8-bit pixels.
  ///
  /// - Parameter channels: 1 (grey), 3 (RGB) or 4 (RGBA) to convert the output; `nil` keeps
  ///   the file's kind: grey gives 1, colour gives 3, any alpha gives 4. Dropping alpha keeps
  ///   the stored colour (as PIL's `convert("RGB")`); colour to grey uses the ITU-R 601 luma
  ///   `(299 R + 587 G + 114 B) / 1000`, rounded.
  /// - Throws: `RuntimeError.io` with libpng's message for data that is not a valid PNG.
  public static func decode(_ bytes: [UInt8], channels: Int? = nil) throws -> (pixels: [UInt8], width: Int, height: Int, channels: Int) {
    try decode(bytes, channels: channels, source: "<png data>")
  }

  /// Reads and decodes the PNG file at `path`; see `decode(_:channels:)`.
  public static func read(path: String, channels: Int? = nil) throws -> (pixels: [UInt8], width: Int, height: Int, channels: Int) {
    try decode(FileBytes.read(path), channels: channels, source: path)
  }

  /// Encodes interleaved 8-bit pixels (1 grey, 3 RGB or 4 RGBA channels) as PNG bytes.
  public static func encode(pixels: [UInt8], width: Int, height: Int, channels: Int) throws -> [UInt8] {
    try encode(pixels: pixels, width: width, height: height, channels: channels, source: "<png data>")
  }

  /// Encodes pixels and writes the PNG file atomically (see `AtomicWrite`).
  public static func write(path: String, pixels: [UInt8], width: Int, height: Int, channels: Int) throws {
    let bytes = try encode(pixels: pixels, width: width, height: height, channels: channels, source: path)
    try AtomicWrite.write(bytes, to: path)
  }

  /// Loads a PNG file as a float tensor `[C, H, W]` with values `v / 255` in [0, 1].
  ///
  /// `channels` as in `decode`; by default C is 1 for grey files, 3 for colour, 4 with alpha.
  public static func tensor(fromPath path: String, channels: Int? = nil) throws -> Tensor {
    let img = try read(path: path, channels: channels)
    let (c, h, w) = (img.channels, img.height, img.width)
    try MemoryLimit.check(elements: c * h * w, op: "load_png")
    let t = Tensor(zeros: [c, h, w], zeroed: false)
    let out = t.buffer
    img.pixels.withUnsafeBufferPointer { px in
      for y in 0..<h {
        for x in 0..<w {
          let p = (y * w + x) * c
          for ch in 0..<c { out[(ch * h + y) * w + x] = Float(px[p + ch]) / 255 }
        }
      }
    }
    return t
  }

  /// Saves a float tensor `[C, H, W]` (C = 1, 3 or 4) or `[H, W]` as an 8-bit PNG.
  ///
  /// Values are clipped to [0, 1] (NaN counts as 0) and mapped to `round(v * 255)`, so
  /// saving a tensor loaded by `tensor(fromPath:)` reproduces the file's pixels exactly.
  public static func write(tensor: Tensor, path: String) throws {
    let (c, h, w): (Int, Int, Int)
    switch tensor.rank {
    case 2: (c, h, w) = (1, tensor.shape[0], tensor.shape[1])
    case 3: (c, h, w) = (tensor.shape[0], tensor.shape[1], tensor.shape[2])
    default:
      throw RuntimeError.invalidArgument(op: "save_png", message: "expected an image tensor [C, H, W] or [H, W], got shape \(Shape.describe(tensor.shape))")
    }
    guard c == 1 || c == 3 || c == 4 else {
      throw RuntimeError.invalidArgument(op: "save_png", message: "expected 1, 3 or 4 channels in [C, H, W], got shape \(Shape.describe(tensor.shape))")
    }
    let src = tensor.buffer
    var px = [UInt8](repeating: 0, count: c * h * w)
    px.withUnsafeMutableBufferPointer { out in
      for ch in 0..<c {
        for y in 0..<h {
          for x in 0..<w { out[(y * w + x) * c + ch] = byte(src[(ch * h + y) * w + x]) }
        }
      }
    }
    try write(path: path, pixels: px, width: w, height: h, channels: c)
  }

  /// A [0, 1] float to an 8-bit value, rounding half away from zero; NaN gives 0.
  @inline(__always) static func byte(_ v: Float) -> UInt8 {
    guard v > 0 else { return 0 }
    guard v < 1 else { return 255 }
    return UInt8((v * 255).rounded())
  }

  // MARK: - libpng calls

  static func decode(_ bytes: [UInt8], channels requested: Int?, source: String) throws -> (pixels: [UInt8], width: Int, height: Int, channels: Int) {
    if let r = requested, r != 1, r != 3, r != 4 {
      throw RuntimeError.invalidArgument(op: "load_png", message: "channels must be 1, 3 or 4, got \(r)")
    }
    guard bytes.count >= 8, bytes[0] == 0x89, bytes[1] == 0x50, bytes[2] == 0x4E, bytes[3] == 0x47 else {
      throw RuntimeError.io(path: source, message: "not a PNG file (bad signature)")
    }
    var image = png_image()
    image.version = UInt32(PNG_IMAGE_VERSION)
    defer { png_image_free(&image) }
    let (native, w, h): ([UInt8], Int, Int) = try bytes.withUnsafeBytes { raw in
      guard png_image_begin_read_from_memory(&image, raw.baseAddress, raw.count) != 0 else {
        throw RuntimeError.io(path: source, message: "invalid PNG: \(message(image))")
      }
      let w = Int(image.width), h = Int(image.height)
      guard w > 0, h > 0, w <= maxPixels / h else {
        throw RuntimeError.io(path: source, message: "PNG of \(w)x\(h) pixels is larger than the \(maxPixels)-pixel limit")
      }
      // Always decode to the file's own kind at 8 bits, then convert channels here, so the
      // conversions are the documented ones rather than libpng's colour-managed ones.
      image.format &= ~(flagLinear | flagColormap)
      image.flags |= imageFlag16BitSRGB
      let n = Int(image.format & flagColor != 0 ? 3 : 1) + Int(image.format & flagAlpha != 0 ? 1 : 0)
      try MemoryLimit.check(elements: (w * h * n + 3) / 4, op: "load_png")
      var px = [UInt8](repeating: 0, count: w * h * n)
      let ok = px.withUnsafeMutableBytes { out in
        png_image_finish_read(&image, nil, out.baseAddress, Int32(w * n), nil)
      }
      guard ok != 0 else {
        throw RuntimeError.io(path: source, message: "corrupt PNG data: \(message(image))")
      }
      return (px, w, h)
    }
    let nativeChannels = native.count / (w * h)
    let hasAlpha = nativeChannels == 2 || nativeChannels == 4
    let out = requested ?? (hasAlpha ? 4 : (nativeChannels == 1 ? 1 : 3))
    return (convert(native, from: nativeChannels, to: out, pixels: w * h), w, h, out)
  }

  /// Converts interleaved pixels between grey (1), grey+alpha (2), RGB (3) and RGBA (4).
  static func convert(_ px: [UInt8], from a: Int, to b: Int, pixels n: Int) -> [UInt8] {
    if a == b { return px }
    var out = [UInt8](repeating: 255, count: n * b)
    px.withUnsafeBufferPointer { src in
      out.withUnsafeMutableBufferPointer { dst in
        for i in 0..<n {
          let s = i * a, d = i * b
          let isColor = a >= 3
          let r = src[s], g = isColor ? src[s + 1] : r, bl = isColor ? src[s + 2] : r
          let alpha: UInt8 = a == 2 ? src[s + 1] : (a == 4 ? src[s + 3] : 255)
          switch b {
          case 1:
            if isColor {
              let luma: Int = 299 * Int(r) + 587 * Int(g) + 114 * Int(bl)
              dst[d] = UInt8((luma + 500) / 1000)
            } else {
              dst[d] = r
            }
          case 3:
            dst[d] = r; dst[d + 1] = g; dst[d + 2] = bl
          default:
            dst[d] = r; dst[d + 1] = g; dst[d + 2] = bl; dst[d + 3] = alpha
          }
        }
      }
    }
    return out
  }

  static func encode(pixels: [UInt8], width: Int, height: Int, channels: Int, source: String) throws -> [UInt8] {
    guard channels == 1 || channels == 3 || channels == 4 else {
      throw RuntimeError.invalidArgument(op: "save_png", message: "channels must be 1, 3 or 4, got \(channels)")
    }
    guard width > 0, height > 0, width <= maxPixels / height else {
      throw RuntimeError.invalidArgument(op: "save_png", message: "image size \(width)x\(height) must be positive and at most \(maxPixels) pixels")
    }
    guard pixels.count == width * height * channels else {
      throw RuntimeError.invalidArgument(op: "save_png", message: "\(pixels.count) bytes do not make a \(width)x\(height) image with \(channels) channels")
    }
    var image = png_image()
    image.version = UInt32(PNG_IMAGE_VERSION)
    image.width = UInt32(width)
    image.height = UInt32(height)
    image.format = (channels >= 3 ? flagColor : 0) | (channels == 4 ? flagAlpha : 0)
    defer { png_image_free(&image) }
    return try pixels.withUnsafeBytes { raw in
      // First pass measures, second pass writes into a buffer of that size.
      var size = 0
      guard png_image_write_to_memory(&image, nil, &size, 0, raw.baseAddress, Int32(width * channels), nil) != 0, size > 0 else {
        throw RuntimeError.io(path: source, message: "PNG encoding failed: \(message(image))")
      }
      var out = [UInt8](repeating: 0, count: size)
      let ok = out.withUnsafeMutableBytes { dst in
        png_image_write_to_memory(&image, dst.baseAddress, &size, 0, raw.baseAddress, Int32(width * channels), nil)
      }
      guard ok != 0 else {
        throw RuntimeError.io(path: source, message: "PNG encoding failed: \(message(image))")
      }
      return Array(out.prefix(size))
    }
  }

  /// libpng's error text from the fixed 64-byte message field.
  private static func message(_ image: png_image) -> String {
    withUnsafeBytes(of: image.message) { raw in
      let text = raw.prefix { $0 != 0 }
      let s = String(decoding: text, as: UTF8.self)
      return s.isEmpty ? "unknown libpng error" : s
    }
  }
}
