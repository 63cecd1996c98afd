import XCTest
@testable import Runtime
import TestSupport

/// Builds PNG files by hand (stored deflate blocks, real CRCs), so the decoder is tested on
/// colour types and bit depths that the encoder never writes.
enum HandPNG {
  static func crc32(_ bytes: [UInt8]) -> UInt32 {
    var c: UInt32 = 0xFFFF_FFFF
    for b in bytes {
      c ^= UInt32(b)
      for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
    }
    return ~c
  }

  static func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 255), UInt8((v >> 8) & 255), UInt8(v & 255)] }

  static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
    let body = Array(type.utf8) + data
    return be32(UInt32(data.count)) + body + be32(crc32(body))
  }

  /// zlib stream of stored (uncompressed) deflate blocks.
  static func zlibStored(_ data: [UInt8]) -> [UInt8] {
    var out: [UInt8] = [0x78, 0x01]
    var i = 0
    repeat {
      let n = min(65535, data.count - i)
      let final: UInt8 = i + n == data.count ? 1 : 0
      out += [final, UInt8(n & 255), UInt8(n >> 8), UInt8(~n & 255), UInt8((~n >> 8) & 255)]
      out += data[i..<(i + n)]
      i += n
    } while i < data.count
    var a: UInt32 = 1, b: UInt32 = 0
    for x in data { a = (a + UInt32(x)) % 65521; b = (b + a) % 65521 }
    return out + be32((b << 16) | a)
  }

  /// A PNG with the given header fields; `rows` are raw scanlines without filter bytes.
  static func make(width: Int, height: Int, bitDepth: UInt8, colorType: UInt8, rows: [[UInt8]], extra: [[UInt8]] = []) -> [UInt8] {
    let ihdr = be32(UInt32(width)) + be32(UInt32(height)) + [bitDepth, colorType, 0, 0, 0]
    var raw: [UInt8] = []
    for r in rows { raw += [0] + r }
    var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    png += chunk("IHDR", ihdr)
    for e in extra { png += e }
    png += chunk("IDAT", zlibStored(raw))
    png += chunk("IEND", [])
    return png
  }
}

final class PNGCodecTests: XCTestCase {
  var dir = ""

  override func setUp() {
    dir = NSTemporaryDirectory() + "rslab-png-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
  }

  override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

  func randomPixels(_ n: Int, seed: UInt64) -> [UInt8] {
    var rng = RNG(seed: seed)
    return (0..<n).map { _ in UInt8(rng.int(below: 256)) }
  }

  func testRoundTripIsBitExactForGreyRGBAndRGBA() throws {
    for (c, seed) in [(1, 1), (3, 2), (4, 3)] as [(Int, UInt64)] {
      let w = 13, h = 7
      let px = randomPixels(w * h * c, seed: seed)
      let path = "\(dir)/rt\(c).png"
      try PNGCodec.write(path: path, pixels: px, width: w, height: h, channels: c)
      let img = try PNGCodec.read(path: path)
      XCTAssertEqual(img.width, w)
      XCTAssertEqual(img.height, h)
      XCTAssertEqual(img.channels, c)
      XCTAssertEqual(img.pixels, px, "channels \(c)")
    }
  }

  func testChannelConversion() throws {
    // One RGBA pixel (200, 100, 50, 7) and one grey pixel 90.
    let rgba = try PNGCodec.encode(pixels: [200, 100, 50, 7], width: 1, height: 1, channels: 4)
    XCTAssertEqual(try PNGCodec.decode(rgba, channels: 3).pixels, [200, 100, 50])
    let luma: Int = (299 * 200 + 587 * 100 + 114 * 50 + 500) / 1000
    XCTAssertEqual(try PNGCodec.decode(rgba, channels: 1).pixels, [UInt8(luma)])
    let grey = try PNGCodec.encode(pixels: [90], width: 1, height: 1, channels: 1)
    XCTAssertEqual(try PNGCodec.decode(grey, channels: 3).pixels, [90, 90, 90])
    XCTAssertEqual(try PNGCodec.decode(grey, channels: 4).pixels, [90, 90, 90, 255])
    XCTAssertThrowsError(try PNGCodec.decode(grey, channels: 2))
  }

  func testSixteenBitGreyAndRGBScaleToEightBits() throws {
    // 16-bit grey, 2x1: 0x0000, 0xFFFF ; no gAMA chunk, so values are sRGB and just rescale.
    let g16 = HandPNG.make(width: 3, height: 1, bitDepth: 16, colorType: 0, rows: [[0x00, 0x00, 0xFF, 0xFF, 0x80, 0x80]])
    let g = try PNGCodec.decode(g16)
    XCTAssertEqual(g.channels, 1)
    XCTAssertEqual(g.pixels, [0, 255, 128])
    // 16-bit RGB, 1x1: (0x1212, 0x3434, 0xFEFE) -> (0x12, 0x34, 0xFE)
    let c16 = HandPNG.make(width: 1, height: 1, bitDepth: 16, colorType: 2, rows: [[0x12, 0x12, 0x34, 0x34, 0xFE, 0xFE]])
    let c = try PNGCodec.decode(c16)
    XCTAssertEqual(c.channels, 3)
    XCTAssertEqual(c.pixels, [0x12, 0x34, 0xFE])
    // 16-bit grey+alpha, opaque: output is RGBA by default.
    let ga16 = HandPNG.make(width: 1, height: 1, bitDepth: 16, colorType: 4, rows: [[0x40, 0x40, 0xFF, 0xFF]])
    let ga = try PNGCodec.decode(ga16)
    XCTAssertEqual(ga.channels, 4)
    XCTAssertEqual(ga.pixels, [0x40, 0x40, 0x40, 0xFF])
  }

  func testPaletteAndLowBitDepthInput() throws {
    // 2-bit palette image, 4x1, palette red, green, blue, white.
    let plte = HandPNG.chunk("PLTE", [255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255])
    let pal = HandPNG.make(width: 4, height: 1, bitDepth: 2, colorType: 3, rows: [[0b00_01_10_11]], extra: [plte])
    let img = try PNGCodec.decode(pal)
    XCTAssertEqual(img.channels, 3)
    XCTAssertEqual(img.pixels, [255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255])
    // 1-bit grey, 8x1 alternating.
    let bw = HandPNG.make(width: 8, height: 1, bitDepth: 1, colorType: 0, rows: [[0b1010_1010]])
    XCTAssertEqual(try PNGCodec.decode(bw).pixels, [255, 0, 255, 0, 255, 0, 255, 0])
  }

  func testErrorsNameThePathAndReason() throws {
    let missing = "\(dir)/missing.png"
    XCTAssertThrowsError(try PNGCodec.read(path: missing)) { e in
      guard case let RuntimeError.io(path, message) = e else { return XCTFail("\(e)") }
      XCTAssertEqual(path, missing)
      XCTAssertTrue(message.contains("No such file"), message)
    }
    let text = "\(dir)/text.png"
    try AtomicWrite.write("hello, not an image", to: text)
    XCTAssertThrowsError(try PNGCodec.read(path: text)) { e in
      guard case let RuntimeError.io(path, message) = e else { return XCTFail("\(e)") }
      XCTAssertEqual(path, text)
      XCTAssertTrue(message.contains("not a PNG"), message)
    }
    let good = try PNGCodec.encode(pixels: randomPixels(64 * 64 * 3, seed: 9), width: 64, height: 64, channels: 3)
    let truncated = "\(dir)/trunc.png"
    try AtomicWrite.write(Array(good.prefix(good.count / 2)), to: truncated)
    XCTAssertThrowsError(try PNGCodec.read(path: truncated)) { e in
      guard case let RuntimeError.io(path, _) = e else { return XCTFail("\(e)") }
      XCTAssertEqual(path, truncated)
    }
    // A flipped byte inside IDAT breaks the chunk CRC.
    var corrupt = good
    corrupt[good.count - 30] ^= 0xFF
    XCTAssertThrowsError(try PNGCodec.decode(corrupt)) { e in
      guard case RuntimeError.io = e else { return XCTFail("\(e)") }
    }
    // Only a signature, no header.
    XCTAssertThrowsError(try PNGCodec.decode(Array(good.prefix(8))))
    XCTAssertThrowsError(try PNGCodec.read(path: dir)) // a folder
  }

  func testEncodeRejectsBadArguments() {
    XCTAssertThrowsError(try PNGCodec.encode(pixels: [1, 2, 3], width: 2, height: 1, channels: 1))
    XCTAssertThrowsError(try PNGCodec.encode(pixels: [1, 2], width: 1, height: 1, channels: 2))
    XCTAssertThrowsError(try PNGCodec.encode(pixels: [], width: 0, height: 0, channels: 1))
    XCTAssertThrowsError(try PNGCodec.write(path: "/nonexistent-dir/x.png", pixels: [1], width: 1, height: 1, channels: 1))
  }

  func testTensorRoundTripIsExactAndClips() throws {
    let px = randomPixels(3 * 5 * 4, seed: 4)
    let path = "\(dir)/t.png"
    try PNGCodec.write(path: path, pixels: px, width: 4, height: 5, channels: 3)
    let t = try PNGCodec.tensor(fromPath: path)
    XCTAssertEqual(t.shape, [3, 5, 4])
    // Planar layout: channel 1 of pixel (y 2, x 3).
    XCTAssertEqual(t.values[(1 * 5 + 2) * 4 + 3], Float(px[(2 * 4 + 3) * 3 + 1]) / 255)
    let path2 = "\(dir)/t2.png"
    try PNGCodec.write(tensor: t, path: path2)
    XCTAssertEqual(try PNGCodec.read(path: path2).pixels, px)

    let hw = Tensor(shape: [1, 4], values: [-0.5, 0.5, 2, .nan])
    try PNGCodec.write(tensor: hw, path: path2)
    let back = try PNGCodec.read(path: path2)
    XCTAssertEqual(back.channels, 1)
    XCTAssertEqual(back.pixels, [0, 128, 255, 0])
    XCTAssertThrowsError(try PNGCodec.write(tensor: Tensor(zeros: [2, 3, 3]), path: path2))
    XCTAssertThrowsError(try PNGCodec.write(tensor: Tensor(zeros: [3]), path: path2))
  }
}
