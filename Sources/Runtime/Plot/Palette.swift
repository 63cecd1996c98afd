#if canImport(Glibc)
import Glibc
#endif

/// An 8-bit sRGB colour.
public struct RGB: Equatable, Hashable, Sendable, CustomStringConvertible {
  /// Red, 0...255.
  public var r: UInt8
  /// Green, 0...255.
  public var g: UInt8
  /// Blue, 0...255.
  public var b: UInt8

  /// A colour from its three channels.
  public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) {
    self.r = r
    self.g = g
    self.b = b
  }

  /// A colour from `0xRRGGBB`.
  public init(hex: UInt32) {
    self.init(UInt8((hex >> 16) & 255), UInt8((hex >> 8) & 255), UInt8(hex & 255))
  }

  /// The chart background.
  public static let white = RGB(255, 255, 255)
  /// Pure black.
  public static let black = RGB(0, 0, 0)
  /// Text and axis colour: near-black reads softer than pure black.
  public static let ink = RGB(hex: 0x222222)
  /// Grid lines.
  public static let grid = RGB(hex: 0xE3E3E3)
  /// Secondary text (tick labels).
  public static let muted = RGB(hex: 0x555555)

  /// `self` mixed with `other`: `t = 0` gives self, `t = 1` gives other.
  public func mixed(with other: RGB, _ t: Double) -> RGB {
    let u = min(max(t, 0), 1)
    func m(_ a: UInt8, _ b: UInt8) -> UInt8 { UInt8((Double(a) + (Double(b) - Double(a)) * u).rounded()) }
    return RGB(m(r, other.r), m(g, other.g), m(b, other.b))
  }

  /// Relative luminance in [0, 1] (sRGB, WCAG formula), to pick readable text colours.
  public var luminance: Double {
    func lin(_ c: UInt8) -> Double {
      let v = Double(c) / 255
      return v <= 0.04045 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4)
    }
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
  }

  /// `#rrggbb`.
  public var description: String {
    let hex = (Int(r) << 16) | (Int(g) << 8) | Int(b)
    let s = String(hex, radix: 16)
    return "#" + String(repeating: "0", count: 6 - s.count) + s
  }
}

/// Colour schemes for charts: a colour-blind-safe categorical palette and sequential maps.
///
/// The categorical colours are Okabe & Ito's (2008) palette, distinguishable under the common
/// colour-vision deficiencies, ordered so the first few are far apart; yellow comes last
/// because it is weak on white.
public enum Palette {
  /// Okabe-Ito: blue, vermillion, bluish green, orange, reddish purple, sky blue, grey-black, yellow.
  public static let categorical: [RGB] = [
    RGB(hex: 0x0072B2), RGB(hex: 0xD55E00), RGB(hex: 0x009E73), RGB(hex: 0xE69F00),
    RGB(hex: 0xCC79A7), RGB(hex: 0x56B4E9), RGB(hex: 0x333333), RGB(hex: 0xF0E442),
  ]

  /// The categorical colour of series or class `i` (cycles after 8).
  public static func color(_ i: Int) -> RGB {
    let n = categorical.count
    return categorical[((i % n) + n) % n]
  }

  /// Viridis stops at t = 0, 0.1, ..., 1 (perceptually uniform, colour-blind safe).
  static let viridisStops: [RGB] = [
    RGB(hex: 0x440154), RGB(hex: 0x482475), RGB(hex: 0x414487), RGB(hex: 0x355F8D),
    RGB(hex: 0x2A788E), RGB(hex: 0x21918C), RGB(hex: 0x22A884), RGB(hex: 0x44BF70),
    RGB(hex: 0x7AD151), RGB(hex: 0xBDDF26), RGB(hex: 0xFDE725),
  ]

  /// ColorBrewer "Blues" (9 classes), white to dark blue: counts on a light background.
  static let bluesStops: [RGB] = [
    RGB(hex: 0xF7FBFF), RGB(hex: 0xDEEBF7), RGB(hex: 0xC6DBEF), RGB(hex: 0x9ECAE1),
    RGB(hex: 0x6BAED6), RGB(hex: 0x4292C6), RGB(hex: 0x2171B5), RGB(hex: 0x08519C),
    RGB(hex: 0x08306B),
  ]

  /// Viridis at `t` in [0, 1] (clamped; NaN gives the low end).
  public static func viridis(_ t: Double) -> RGB { interpolate(viridisStops, t) }

  /// The sequential blue map at `t` in [0, 1]: 0 is near-white, 1 dark blue.
  public static func blues(_ t: Double) -> RGB { interpolate(bluesStops, t) }

  static func interpolate(_ stops: [RGB], _ t: Double) -> RGB {
    let u = t.isNaN ? 0 : min(max(t, 0), 1)
    let x = u * Double(stops.count - 1)
    let i = min(Int(x), stops.count - 2)
    return stops[i].mixed(with: stops[i + 1], x - Double(i))
  }
}
