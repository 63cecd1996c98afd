/// A seeded random generator that gives the same stream on every machine.
///
/// xoshiro256** (Blackman & Vigna) seeded through SplitMix64. Floats are derived with
/// integer arithmetic only, and normals use Box-Muller in Float64, so results do not
/// depend on the platform's libm for uniforms and only on correctly rounded `log`/`cos`
/// for normals (glibc's are).
public struct RNG: Sendable, Equatable {
  /// The four words of xoshiro state; saved in checkpoints to resume exactly.
  public var state: (UInt64, UInt64, UInt64, UInt64) {
    get { (s0, s1, s2, s3) }
    set { (s0, s1, s2, s3) = newValue }
  }
  private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

  /// Creates a generator from a seed; equal seeds give equal streams.
  public init(seed: UInt64) {
    var x = seed
    func splitmix(_ x: inout UInt64) -> UInt64 {
      x &+= 0x9E37_79B9_7F4A_7C15
      var z = x
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
    s0 = splitmix(&x); s1 = splitmix(&x); s2 = splitmix(&x); s3 = splitmix(&x)
  }

  public static func == (a: RNG, b: RNG) -> Bool {
    a.s0 == b.s0 && a.s1 == b.s1 && a.s2 == b.s2 && a.s3 == b.s3
  }

  @inline(__always) static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

  /// The next 64 random bits.
  @inline(__always) public mutating func next() -> UInt64 {
    let result = RNG.rotl(s1 &* 5, 7) &* 9
    let t = s1 << 17
    s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
    s2 ^= t
    s3 = RNG.rotl(s3, 45)
    return result
  }

  /// Uniform in [0, 1) with 24 random bits.
  @inline(__always) public mutating func uniform() -> Float {
    Float(next() >> 40) * (1.0 / 16_777_216.0)
  }

  /// Uniform in [0, 1) with 53 random bits.
  @inline(__always) public mutating func uniformDouble() -> Double {
    Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
  }

  /// Uniform in [lo, hi).
  public mutating func uniform(_ lo: Double, _ hi: Double) -> Double { lo + (hi - lo) * uniformDouble() }

  /// A standard normal sample (Box-Muller in Float64).
  public mutating func normal() -> Float {
    let u1 = 1.0 - uniformDouble()  // (0, 1]
    let u2 = uniformDouble()
    return Float((-2.0 * _log(u1)).squareRoot() * _cos(2.0 * Double.pi * u2))
  }

  /// A uniform integer in 0..<n (n > 0), unbiased (Lemire's method).
  public mutating func int(below n: Int) -> Int {
    if n <= 1 { return 0 }
    let bound = UInt64(n)
    var m = next().multipliedFullWidth(by: bound)
    if m.low < bound {
      let t = (0 &- bound) % bound
      while m.low < t { m = next().multipliedFullWidth(by: bound) }
    }
    return Int(m.high)
  }

  /// A random permutation of 0..<n (Fisher-Yates).
  public mutating func permutation(_ n: Int) -> [Int] {
    var p = Array(0..<n)
    shuffle(&p)
    return p
  }

  /// Shuffles an array in place (Fisher-Yates).
  public mutating func shuffle<T>(_ a: inout [T]) {
    if a.count < 2 { return }
    for i in stride(from: a.count - 1, to: 0, by: -1) {
      let j = int(below: i + 1)
      if i != j { a.swapAt(i, j) }
    }
  }
}

#if canImport(Glibc)
import Glibc
@inline(__always) func _log(_ x: Double) -> Double { Glibc.log(x) }
@inline(__always) func _cos(_ x: Double) -> Double { Glibc.cos(x) }
#else
import Foundation
@inline(__always) func _log(_ x: Double) -> Double { Foundation.log(x) }
@inline(__always) func _cos(_ x: Double) -> Double { Foundation.cos(x) }
#endif
