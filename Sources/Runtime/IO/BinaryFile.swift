#if canImport(Glibc)
import Glibc
#endif

/// Little-endian scalar access into byte arrays (the host is little-endian x86-64/arm64).
extension Array where Element == UInt8 {
  func loadLE<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T {
    var v: T = 0
    Swift.withUnsafeMutableBytes(of: &v) { dst in
      self.withUnsafeBytes { src in dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[offset..<offset + MemoryLayout<T>.size])) }
    }
    return T(littleEndian: v)
  }

  mutating func appendLE<T: FixedWidthInteger>(_ v: T) {
    Swift.withUnsafeBytes(of: v.littleEndian) { append(contentsOf: $0) }
  }
}
