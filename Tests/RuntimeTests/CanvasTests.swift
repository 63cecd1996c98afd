import XCTest
@testable import Runtime

final class CanvasTests: XCTestCase {
  func countPixels(_ c: Canvas, where test: (RGB) -> Bool) -> Int {
    var n = 0
    for y in 0..<c.height { for x in 0..<c.width where test(c.pixel(x: x, y: y) ?? .white) { n += 1 } }
    return n
  }

  func testNewCanvasIsWhiteAndSizesAreClamped() {
    let c = Canvas(width: 7, height: 5)
    XCTAssertEqual(countPixels(c) { $0 == .white }, 35)
    XCTAssertNil(c.pixel(x: 7, y: 0))
    XCTAssertNil(c.pixel(x: -1, y: 0))
    let tiny = Canvas(width: -3, height: 0)
    XCTAssertEqual(tiny.width, 1)
    XCTAssertEqual(tiny.height, 1)
    XCTAssertEqual(Canvas(width: 1 << 40, height: 2).width, Canvas.maxSide)
  }

  func testRectanglesClipAtTheEdges() {
    var c = Canvas(width: 10, height: 10)
    c.fillRect(x: -5, y: 8, width: 100, height: 100, color: .black)
    XCTAssertEqual(countPixels(c) { $0 == .black }, 20)
    c.fillRect(x: 3, y: 3, width: 2, height: 2, color: RGB(255, 0, 0), alpha: 0.5)
    XCTAssertEqual(c.pixel(x: 3, y: 3), RGB(255, 128, 128))
    c.strokeRect(x: 0, y: 0, width: 5, height: 4, color: .black)
    XCTAssertEqual(c.pixel(x: 4, y: 3), .black)
    XCTAssertEqual(c.pixel(x: 2, y: 2), .white)
  }

  func testAntiAliasedLineCoversItsPathOnly() {
    var c = Canvas(width: 40, height: 40)
    let blue = Palette.color(0)
    c.line(x0: 5, y0: 5, x1: 35, y1: 35, color: blue, width: 2)
    // Pixels on the diagonal are fully covered; pixels far from it untouched.
    for i in 6..<34 { XCTAssertEqual(c.pixel(x: i, y: i), blue, "pixel \(i)") }
    for y in 0..<40 {
      for x in 0..<40 where abs(x - y) > 3 { XCTAssertEqual(c.pixel(x: x, y: y), .white, "(\(x), \(y))") }
    }
    // Edge pixels are blends (anti-aliasing), not only blue or white.
    XCTAssertGreaterThan(countPixels(c) { $0 != .white && $0 != blue }, 10)
  }

  func testPolylineBreaksAtNaN() {
    var c = Canvas(width: 50, height: 10)
    c.polyline([(2, 5), (20, 5), (.nan, .nan), (30, 5), (48, 5)], color: .black, width: 2)
    XCTAssertEqual(c.pixel(x: 10, y: 5), .black)
    XCTAssertEqual(c.pixel(x: 40, y: 5), .black)
    XCTAssertEqual(c.pixel(x: 25, y: 5), .white, "the NaN point leaves a gap")
    // Infinite and absurd coordinates are skipped, not drawn or trapped on.
    c.polyline([(0, 0), (.infinity, 1e300), (1e300, 5)], color: .black)
  }

  func testMarkersAreCentredAndSized() {
    for m in Marker.allCases {
      var c = Canvas(width: 30, height: 30)
      c.marker(m, cx: 15, cy: 15, size: 10, color: .black)
      var xs: [Int] = [], ys: [Int] = []
      for y in 0..<30 { for x in 0..<30 where c.pixel(x: x, y: y) != .white { xs.append(x); ys.append(y) } }
      XCTAssertFalse(xs.isEmpty, "\(m)")
      XCTAssertLessThanOrEqual((xs.max() ?? 0) - (xs.min() ?? 0), 14, "\(m)")  // round caps of cross and plus add width / 2
      XCTAssertGreaterThanOrEqual((xs.max() ?? 0) - (xs.min() ?? 0), 6, "\(m)")
      let meanX = Double(xs.reduce(0, +)) / Double(xs.count), meanY = Double(ys.reduce(0, +)) / Double(ys.count)
      XCTAssertEqual(meanX, 14.5, accuracy: 1.5, "\(m)")
      XCTAssertEqual(meanY, 14.5, accuracy: 2, "\(m)")
    }
  }

  func testTextDrawsGlyphPixels() {
    var c = Canvas(width: 40, height: 24)
    let w = c.text("H", x: 2, y: 3, color: .black, scale: 1)
    XCTAssertEqual(w, 5)
    let font = BitmapFont.standard
    for gy in 0..<font.glyphHeight {
      for gx in 0..<font.glyphWidth {
        let expected: RGB = font.isInk("H", x: gx, y: gy) ? .black : .white
        XCTAssertEqual(c.pixel(x: 2 + gx, y: 3 + gy), expected, "glyph pixel (\(gx), \(gy))")
      }
    }
    // Right alignment ends the text at x.
    var r = Canvas(width: 40, height: 12)
    r.text("I", x: 30, y: 0, color: .black, align: .right)
    XCTAssertEqual(r.pixel(x: 27, y: 0), .black)  // I's top bar spans columns 1...3 of 5
    XCTAssertEqual(countPixels(r) { $0 == .black && true }, countPixels(r) { $0 != .white })
    XCTAssertTrue((0..<12).allSatisfy { r.pixel(x: 30, y: $0) == .white })
  }

  func testScaledGlyphsKeepStraightStrokesAndSmoothDiagonals() {
    let font = BitmapFont.standard
    func blocky(_ ch: Character, _ s: Int) -> [Bool] {
      (0..<(font.glyphWidth * s * font.glyphHeight * s)).map { i in
        font.isInk(ch, x: (i % (font.glyphWidth * s)) / s, y: (i / (font.glyphWidth * s)) / s)
      }
    }
    let printable = (32...126).map { Character(UnicodeScalar(UInt8($0))) }
    for ch in printable {
      // Scales without a factor 2 or 3 repeat pixels exactly.
      XCTAssertTrue(font.bitmap(ch, scale: 5) == blocky(ch, 5), "\(ch) at scale 5")
      XCTAssertTrue(font.bitmap(ch, scale: 1) == blocky(ch, 1), "\(ch) at scale 1")
      // Scale3x keeps the centre of every 3x3 block.
      let s3 = font.bitmap(ch, scale: 3), w3 = font.glyphWidth * 3
      for gy in 0..<font.glyphHeight {
        for gx in 0..<font.glyphWidth where s3[(gy * 3 + 1) * w3 + gx * 3 + 1] != font.isInk(ch, x: gx, y: gy) {
          XCTFail("\(ch): centre of (\(gx), \(gy)) changed at scale 3")
        }
      }
      // Smoothing is local: a block changes only where its source pixel has a 4-neighbour of
      // the other colour; and ink mass stays about the same.
      for sc in [2, 3] {
        let smooth = font.bitmap(ch, scale: sc), w = font.glyphWidth * sc
        for gy in 0..<font.glyphHeight {
          for gx in 0..<font.glyphWidth {
            let e = font.isInk(ch, x: gx, y: gy)
            let edge = [(0, -1), (-1, 0), (1, 0), (0, 1)].contains { font.isInk(ch, x: gx + $0.0, y: gy + $0.1) != e }
            if edge { continue }
            for k in 0..<(sc * sc) where smooth[(gy * sc + k / sc) * w + gx * sc + k % sc] != e {
              XCTFail("\(ch): interior block (\(gx), \(gy)) changed at scale \(sc)")
            }
          }
        }
      }
      for sc in [2, 3, 4, 6] {
        let smooth = font.bitmap(ch, scale: sc).filter { $0 }.count, block = blocky(ch, sc).filter { $0 }.count
        XCTAssertLessThanOrEqual(abs(smooth - block), block * 2 / 5, "\(ch) at scale \(sc)")
      }
    }
    // A diagonal loses its staircase.
    XCTAssertFalse(font.bitmap("/", scale: 2) == blocky("/", 2))
    XCTAssertFalse(font.bitmap("/", scale: 3) == blocky("/", 3))
  }

  func testVerticalTextRunsBottomToTop() {
    var c = Canvas(width: 20, height: 60)
    c.verticalText("ab", x: 5, cy: 30, color: .black)
    var minX = 99, maxX = 0, minY = 99, maxY = 0
    for y in 0..<60 { for x in 0..<20 where c.pixel(x: x, y: y) == .black {
      minX = min(minX, x); maxX = max(maxX, x); minY = min(minY, y); maxY = max(maxY, y)
    } }
    XCTAssertGreaterThan(maxY - minY, maxX - minX, "rotated text is taller than wide")
    XCTAssertEqual(Double(minY + maxY) / 2, 30, accuracy: 3)
  }

  func testFontCoversPrintableASCIIWithDistinctGlyphs() {
    let font = BitmapFont.standard
    XCTAssertEqual(BitmapFont.art.count, 95)
    for row in BitmapFont.art.flatMap({ $0.split(separator: " ") }) {
      XCTAssertEqual(row.count, 5, "row \(row)")
      XCTAssertTrue(row.allSatisfy { $0 == "." || $0 == "#" }, "row \(row)")
    }
    let printable = (33...126).map { Character(UnicodeScalar(UInt8($0))) }
    XCTAssertTrue(printable.allSatisfy { font.glyph($0).contains { $0 != 0 } })
    XCTAssertEqual(Set(printable.map { font.glyph($0) }).count, printable.count, "two characters share a glyph")
    XCTAssertEqual(font.glyph("é"), font.glyph("?"))
    XCTAssertEqual(font.width(of: "abc", scale: 2), 34)
    XCTAssertEqual(font.truncated("a long caption", toWidth: 40), "a lo..")
  }

  func testImageBlitScalesWithNearestNeighbour() throws {
    var c = Canvas(width: 10, height: 10)
    // 2x2 RGB, planar: R plane, G plane, B plane.
    let px: [UInt8] = [255, 0, 0, 10, /* G */ 0, 255, 0, 10, /* B */ 0, 0, 255, 10]
    try c.image(px, channels: 3, height: 2, width: 2, x: 1, y: 1, scale: 3)
    XCTAssertEqual(c.pixel(x: 1, y: 1), RGB(255, 0, 0))
    XCTAssertEqual(c.pixel(x: 3, y: 3), RGB(255, 0, 0))
    XCTAssertEqual(c.pixel(x: 4, y: 1), RGB(0, 255, 0))
    XCTAssertEqual(c.pixel(x: 1, y: 6), RGB(0, 0, 255))
    XCTAssertEqual(c.pixel(x: 6, y: 6), RGB(10, 10, 10))
    XCTAssertEqual(c.pixel(x: 7, y: 7), .white)
    XCTAssertThrowsError(try c.image([1, 2, 3], channels: 1, height: 2, width: 2, x: 0, y: 0))
  }

  func testPNGOutputRoundTrips() throws {
    var c = Canvas(width: 16, height: 9)
    c.line(x0: 0, y0: 0, x1: 16, y1: 9, color: Palette.color(1), width: 3)
    let img = try PNGCodec.decode(c.pngBytes())
    XCTAssertEqual(img.width, 16)
    XCTAssertEqual(img.height, 9)
    XCTAssertEqual(img.channels, 3)
    XCTAssertEqual(img.pixels, c.pixels)
  }

  func testPaletteMapsAreMonotoneAndDistinct() {
    XCTAssertEqual(Set(Palette.categorical).count, Palette.categorical.count)
    XCTAssertEqual(Palette.color(8), Palette.color(0))
    XCTAssertEqual(Palette.color(-1), Palette.color(7))
    var last = 2.0
    for i in 0...20 {
      let l = Palette.blues(Double(i) / 20).luminance
      XCTAssertLessThan(l, last, "blues must darken with t")
      last = l
    }
    XCTAssertEqual(Palette.viridis(0), RGB(hex: 0x440154))
    XCTAssertEqual(Palette.viridis(1), RGB(hex: 0xFDE725))
    XCTAssertEqual(Palette.viridis(.nan), Palette.viridis(0))
    XCTAssertEqual(Palette.viridis(7), Palette.viridis(1))
  }
}

final class CanvasRobustnessTests: XCTestCase {
  func testExtremeCoordinatesAreClippedNotTrapped() throws {
    var c = Canvas(width: 20, height: 20)
    c.fillRect(x: Int.max - 1, y: 0, width: Int.max, height: 5, color: .black)
    c.fillRect(x: Int.min, y: Int.min, width: Int.max, height: Int.max, color: .black)
    c.circle(cx: 1e300, cy: -1e300, radius: 1e300, color: .black)
    c.marker(.triangle, cx: .nan, cy: 3, size: 5, color: .black)
    c.line(x0: -1e300, y0: 0, x1: 1e300, y1: 10, color: .black)
    c.text("far", x: Int.max - 10, y: Int.min + 10)
    c.strokeRect(x: Int.max - 3, y: 2, width: 10, height: 10, color: .black)
    try c.image([1], channels: 1, height: 1, width: 1, x: Int.max - 1, y: 0, scale: 1)
    XCTAssertThrowsError(try c.image([1, 2], channels: 1, height: Int.max / 2, width: 4, x: 0, y: 0))
    XCTAssertThrowsError(try ImageGrid.render(images: [(pixels: [1, 2], channels: 2, height: Int.max / 2, width: 3)], captions: []))
    XCTAssertEqual(c.width, 20)
  }
}
