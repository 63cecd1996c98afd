#if canImport(Glibc)
import Glibc
#endif

/// Whole-file reads with errors that name the path and the reason.
enum BinaryFile {
  /// The bytes of the regular file at `path`.
  static func read(path: String) throws -> [UInt8] {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else {
      throw RuntimeError.io(path: path, message: errno == ENOENT ? "no such file" : errno == EACCES ? "permission denied" : "cannot open (errno \(errno))")
    }
    defer { close(fd) }
    var st = stat()
    guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
      throw RuntimeError.io(path: path, message: "is not a regular file")
    }
    let size = Int(st.st_size)
    try MemoryLimit.check(bytes: size, op: "reading \(path)")
    var bytes = [UInt8](repeating: 0, count: size)
    var off = 0
    try bytes.withUnsafeMutableBytes { buf in
      while off < size {
        let n = Glibc.read(fd, buf.baseAddress! + off, size - off)
        if n < 0 {
          if errno == EINTR { continue }
          throw RuntimeError.io(path: path, message: "read failed after \(off) bytes")
        }
        if n == 0 { break }
        off += n
      }
    }
    guard off == size else { throw RuntimeError.io(path: path, message: "file shrank while reading (\(off) of \(size) bytes)") }
    return bytes
  }
}

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
