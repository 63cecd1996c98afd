/// rslab's own bitmap font: 5x7 ASCII glyphs (32...126) with 2-pixel descenders, drawn on a
/// 6x11 cell and scalable by an integer factor.
///
/// Glyphs are written as pixel art below (`#` ink, `.` paper), row by row from the top of the
/// cell; row 6 is the baseline row, rows 7 and 8 hold descenders. Characters outside the set
/// draw as `?`.
///
///     let font = BitmapFont.standard
///     font.width(of: "loss", scale: 2)   // 46 pixels: 4 advances of 12 less the trailing gap
public struct BitmapFont: Sendable {
  /// The shared instance.
  public static let standard = BitmapFont()

  /// Ink columns of every glyph.
  public let glyphWidth = 5
  /// Rows of a glyph bitmap: 7 above and on the baseline, 2 descender rows.
  public let glyphHeight = 9
  /// Horizontal distance between consecutive characters at scale 1.
  public let advance = 6
  /// Vertical distance between lines of text at scale 1.
  public let lineHeight = 11
  /// Rows from the top of the cell down to and including the baseline.
  public let ascent = 7

  /// One bitmask row per glyph row; bit 4 is the leftmost column. Indexed by `ascii - 32`.
  let rows: [[UInt8]]

  init() {
    rows = BitmapFont.art.map { glyph in
      var out = [UInt8](repeating: 0, count: 9)
      for (i, row) in glyph.split(separator: " ").prefix(9).enumerated() {
        var bits: UInt8 = 0
        for ch in row.utf8.prefix(5) { bits = (bits << 1) | (ch == UInt8(ascii: "#") ? 1 : 0) }
        out[i] = bits
      }
      return out
    }
  }

  /// The bitmask rows of `c` (9 rows, bit 4 = left column); `?` for characters outside ASCII 32...126.
  public func glyph(_ c: Character) -> [UInt8] {
    if let a = c.asciiValue, a >= 32, a <= 126, Int(a - 32) < rows.count { return rows[Int(a - 32)] }
    return rows[Int(UInt8(ascii: "?") - 32)]
  }

  /// Whether glyph pixel (column `x`, row `y`) of `c` is ink.
  public func isInk(_ c: Character, x: Int, y: Int) -> Bool {
    guard x >= 0, x < glyphWidth, y >= 0, y < glyphHeight else { return false }
    return (glyph(c)[y] >> UInt8(glyphWidth - 1 - x)) & 1 == 1
  }

  /// The glyph of `c` enlarged by `scale`, as row-major ink flags (`glyphWidth * scale`
  /// columns, `glyphHeight * scale` rows).
  ///
  /// Scales divisible by 2 or 3 use the Scale2x / Scale3x pixel-art rules (A. Mazzoleni's
  /// EPX family), which round off diagonal staircases; other scales repeat pixels.
  public func bitmap(_ c: Character, scale: Int) -> [Bool] {
    let s = max(scale, 1), w = glyphWidth, h = glyphHeight
    var px = (0..<(w * h)).map { isInk(c, x: $0 % w, y: $0 / w) }
    var cw = w, ch = h
    var remaining = s
    // Apply Scale3x / Scale2x steps while they divide the scale; repeat pixels for the rest.
    while remaining > 1 {
      let f = remaining % 3 == 0 ? 3 : (remaining % 2 == 0 ? 2 : remaining)
      px = f == 2 ? BitmapFont.scale2x(px, cw, ch) : (f == 3 ? BitmapFont.scale3x(px, cw, ch) : BitmapFont.repeatPixels(px, cw, ch, f))
      cw *= f
      ch *= f
      remaining /= f
    }
    return px
  }

  static func repeatPixels(_ p: [Bool], _ w: Int, _ h: Int, _ f: Int) -> [Bool] {
    (0..<(w * f * h * f)).map { i in p[(i / (w * f)) / f * w + (i % (w * f)) / f] }
  }

  /// Scale2x: each pixel E becomes 2x2, taking a neighbour's value where two neighbours
  /// agree across a corner. B above, D left, F right, H below; outside counts as paper.
  static func scale2x(_ p: [Bool], _ w: Int, _ h: Int) -> [Bool] {
    func at(_ x: Int, _ y: Int) -> Bool { x >= 0 && x < w && y >= 0 && y < h && p[y * w + x] }
    var out = [Bool](repeating: false, count: 4 * w * h)
    for y in 0..<h {
      for x in 0..<w {
        let e = at(x, y), b = at(x, y - 1), d = at(x - 1, y), f = at(x + 1, y), hh = at(x, y + 1)
        let o = (2 * y) * (2 * w) + 2 * x
        if b != hh && d != f {
          out[o] = d == b ? d : e
          out[o + 1] = b == f ? f : e
          out[o + 2 * w] = d == hh ? d : e
          out[o + 2 * w + 1] = hh == f ? f : e
        } else {
          out[o] = e; out[o + 1] = e; out[o + 2 * w] = e; out[o + 2 * w + 1] = e
        }
      }
    }
    return out
  }

  /// Scale3x: the 3x3 counterpart of `scale2x` (A..I are the 3x3 neighbourhood of E).
  static func scale3x(_ p: [Bool], _ w: Int, _ h: Int) -> [Bool] {
    func at(_ x: Int, _ y: Int) -> Bool { x >= 0 && x < w && y >= 0 && y < h && p[y * w + x] }
    var out = [Bool](repeating: false, count: 9 * w * h)
    for y in 0..<h {
      for x in 0..<w {
        let a = at(x - 1, y - 1), b = at(x, y - 1), c = at(x + 1, y - 1)
        let d = at(x - 1, y), e = at(x, y), f = at(x + 1, y)
        let g = at(x - 1, y + 1), hh = at(x, y + 1), i = at(x + 1, y + 1)
        var q = [Bool](repeating: e, count: 9)
        if b != hh && d != f {
          q[0] = d == b ? d : e
          q[1] = (d == b && e != c) || (b == f && e != a) ? b : e
          q[2] = b == f ? f : e
          q[3] = (d == b && e != g) || (d == hh && e != a) ? d : e
          q[5] = (b == f && e != i) || (hh == f && e != c) ? f : e
          q[6] = d == hh ? d : e
          q[7] = (d == hh && e != i) || (hh == f && e != g) ? hh : e
          q[8] = hh == f ? f : e
        }
        for k in 0..<9 { out[(3 * y + k / 3) * (3 * w) + 3 * x + k % 3] = q[k] }
      }
    }
    return out
  }

  /// The width in pixels of `text` drawn at `scale` (no trailing gap).
  public func width(of text: String, scale: Int = 1) -> Int {
    let n = text.count
    return n == 0 ? 0 : (n * advance - (advance - glyphWidth)) * max(scale, 1)
  }

  /// The height in pixels of one line at `scale`, from the cell top to below the descenders.
  public func height(scale: Int = 1) -> Int { glyphHeight * max(scale, 1) }

  /// The longest prefix of `text` that fits `maxWidth` at `scale`, with `..` marking a cut.
  public func truncated(_ text: String, toWidth maxWidth: Int, scale: Int = 1) -> String {
    if width(of: text, scale: scale) <= maxWidth { return text }
    var s = text
    while !s.isEmpty, width(of: s + "..", scale: scale) > maxWidth { s.removeLast() }
    return s.isEmpty ? "" : s + ".."
  }

  // ASCII 32 (space) through 126 (~), one glyph per line.
  static let art: [String] = [
    ".....",                                                          // space
    "..#.. ..#.. ..#.. ..#.. ..#.. ..... ..#..",                      // !
    ".#.#. .#.#. .#.#.",                                              // "
    ".#.#. .#.#. ##### .#.#. ##### .#.#. .#.#.",                      // #
    "..#.. .#### #.#.. .###. ..#.# ####. ..#..",                      // $
    "##... ##..# ...#. ..#.. .#... #..## ...##",                      // %
    ".##.. #..#. #.#.. .#... #.#.# #..#. .##.#",                      // &
    "..#.. ..#.. .#...",                                              // '
    "...#. ..#.. .#... .#... .#... ..#.. ...#.",                      // (
    ".#... ..#.. ...#. ...#. ...#. ..#.. .#...",                      // )
    "..... ..#.. #.#.# .###. #.#.# ..#.. .....",                      // *
    "..... ..#.. ..#.. ##### ..#.. ..#.. .....",                      // +
    "..... ..... ..... ..... ..... ..... .##.. ..#.. .#...",          // ,
    "..... ..... ..... .###. ..... ..... .....",                      // -
    "..... ..... ..... ..... ..... .##.. .##..",                      // .
    "....# ....# ...#. ..#.. .#... #.... #....",                      // /
    ".###. #...# #..## #.#.# ##..# #...# .###.",                      // 0
    "..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###.",                      // 1
    ".###. #...# ....# ...#. ..#.. .#... #####",                      // 2
    "##### ...#. ..#.. ...#. ....# #...# .###.",                      // 3
    "...#. ..##. .#.#. #..#. ##### ...#. ...#.",                      // 4
    "##### #.... ####. ....# ....# #...# .###.",                      // 5
    "..##. .#... #.... ####. #...# #...# .###.",                      // 6
    "##### ....# ...#. ..#.. .#... .#... .#...",                      // 7
    ".###. #...# #...# .###. #...# #...# .###.",                      // 8
    ".###. #...# #...# .#### ....# ...#. .##..",                      // 9
    "..... .##.. .##.. ..... .##.. .##.. .....",                      // :
    "..... .##.. .##.. ..... .##.. .##.. ..#.. .#...",                // ;
    "...#. ..#.. .#... #.... .#... ..#.. ...#.",                      // <
    "..... ..... ##### ..... ##### ..... .....",                      // =
    ".#... ..#.. ...#. ....# ...#. ..#.. .#...",                      // >
    ".###. #...# ....# ...#. ..#.. ..... ..#..",                      // ?
    ".###. #...# ....# .##.# #.#.# #.#.# .###.",                      // @
    ".###. #...# #...# ##### #...# #...# #...#",                      // A
    "####. #...# #...# ####. #...# #...# ####.",                      // B
    ".###. #...# #.... #.... #.... #...# .###.",                      // C
    "###.. #..#. #...# #...# #...# #..#. ###..",                      // D
    "##### #.... #.... ####. #.... #.... #####",                      // E
    "##### #.... #.... ####. #.... #.... #....",                      // F
    ".###. #...# #.... #.### #...# #...# .####",                      // G
    "#...# #...# #...# ##### #...# #...# #...#",                      // H
    ".###. ..#.. ..#.. ..#.. ..#.. ..#.. .###.",                      // I
    "..### ...#. ...#. ...#. ...#. #..#. .##..",                      // J
    "#...# #..#. #.#.. ##... #.#.. #..#. #...#",                      // K
    "#.... #.... #.... #.... #.... #.... #####",                      // L
    "#...# ##.## #.#.# #.#.# #...# #...# #...#",                      // M
    "#...# #...# ##..# #.#.# #..## #...# #...#",                      // N
    ".###. #...# #...# #...# #...# #...# .###.",                      // O
    "####. #...# #...# ####. #.... #.... #....",                      // P
    ".###. #...# #...# #...# #.#.# #..#. .##.#",                      // Q
    "####. #...# #...# ####. #.#.. #..#. #...#",                      // R
    ".#### #.... #.... .###. ....# ....# ####.",                      // S
    "##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#..",                      // T
    "#...# #...# #...# #...# #...# #...# .###.",                      // U
    "#...# #...# #...# #...# #...# .#.#. ..#..",                      // V
    "#...# #...# #...# #.#.# #.#.# #.#.# .#.#.",                      // W
    "#...# #...# .#.#. ..#.. .#.#. #...# #...#",                      // X
    "#...# #...# .#.#. ..#.. ..#.. ..#.. ..#..",                      // Y
    "##### ....# ...#. ..#.. .#... #.... #####",                      // Z
    ".###. .#... .#... .#... .#... .#... .###.",                      // [
    "#.... #.... .#... ..#.. ...#. ....# ....#",                      // backslash
    ".###. ...#. ...#. ...#. ...#. ...#. .###.",                      // ]
    "..#.. .#.#. #...#",                                              // ^
    "..... ..... ..... ..... ..... ..... ..... #####",                // _
    ".#... ..#.. ...#.",                                              // `
    "..... ..... .###. ....# .#### #...# .####",                      // a
    "#.... #.... #.##. ##..# #...# #...# ####.",                      // b
    "..... ..... .###. #.... #.... #...# .###.",                      // c
    "....# ....# .##.# #..## #...# #...# .####",                      // d
    "..... ..... .###. #...# ##### #.... .###.",                      // e
    "..##. .#..# .#... ###.. .#... .#... .#...",                      // f
    "..... ..... .#### #...# #...# #..## .##.# ....# .###.",          // g
    "#.... #.... #.##. ##..# #...# #...# #...#",                      // h
    "..#.. ..... .##.. ..#.. ..#.. ..#.. .###.",                      // i
    "...#. ..... ..##. ...#. ...#. ...#. ...#. #..#. .##..",          // j
    "#.... #.... #..#. #.#.. ##... #.#.. #..#.",                      // k
    ".##.. ..#.. ..#.. ..#.. ..#.. ..#.. .###.",                      // l
    "..... ..... ##.#. #.#.# #.#.# #.#.# #.#.#",                      // m
    "..... ..... #.##. ##..# #...# #...# #...#",                      // n
    "..... ..... .###. #...# #...# #...# .###.",                      // o
    "..... ..... ####. #...# #...# #...# ####. #.... #....",          // p
    "..... ..... .#### #...# #...# #...# .#### ....# ....#",          // q
    "..... ..... #.##. ##..# #.... #.... #....",                      // r
    "..... ..... .###. #.... .###. ....# ####.",                      // s
    ".#... .#... ###.. .#... .#... .#..# ..##.",                      // t
    "..... ..... #...# #...# #...# #..## .##.#",                      // u
    "..... ..... #...# #...# #...# .#.#. ..#..",                      // v
    "..... ..... #...# #...# #.#.# #.#.# .#.#.",                      // w
    "..... ..... #...# .#.#. ..#.. .#.#. #...#",                      // x
    "..... ..... #...# #...# #...# #...# .#### ....# .###.",          // y
    "..... ..... ##### ...#. ..#.. .#... #####",                      // z
    "...#. ..#.. ..#.. .#... ..#.. ..#.. ...#.",                      // {
    "..#.. ..#.. ..#.. ..#.. ..#.. ..#.. ..#..",                      // |
    ".#... ..#.. ..#.. ...#. ..#.. ..#.. .#...",                      // }
    "..... ..... .#... #.#.# ...#. ..... .....",                      // ~
  ]
}
