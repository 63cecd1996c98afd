#if canImport(Glibc)
import Glibc
#endif

/// Writes files atomically: a temporary file in the same folder, fsync, then rename over
/// the target, so a crash or kill -9 mid-write leaves the previous file intact.
public enum AtomicWrite {
  /// Writes `bytes` to `path` atomically.
  public static func write(_ bytes: [UInt8], to path: String) throws {
    try bytes.withUnsafeBytes { try write(UnsafeRawBufferPointer($0), to: path) }
  }

  /// Writes a string (UTF-8) to `path` atomically.
  public static func write(_ text: String, to path: String) throws {
    try write(Array(text.utf8), to: path)
  }

  /// Writes raw bytes to `path` atomically; the temporary file is removed on failure.
  public static func write(_ bytes: UnsafeRawBufferPointer, to path: String) throws {
    try writeStreaming(to: path) { fd in
      var off = 0
      while off < bytes.count {
        let n = Glibc.write(fd, bytes.baseAddress! + off, bytes.count - off)
        if n < 0 {
          if errno == EINTR { continue }
          throw RuntimeError.io(path: path, message: "write failed: \(String(cString: strerror(errno)))")
        }
        off += n
      }
    }
  }

  /// Opens a temporary file beside `path`, lets `body` write to its descriptor, then
  /// fsyncs and renames it into place. For writers that stream large outputs.
  public static func writeStreaming(to path: String, _ body: (Int32) throws -> Void) throws {
    let dir = directory(of: path)
    var st = stat()
    guard stat(dir, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else {
      throw RuntimeError.io(path: path, message: "the folder \(dir) does not exist")
    }
    var template = Array("\(dir)/.\(baseName(of: path)).tmp-XXXXXX".utf8CString)
    let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    guard fd >= 0 else {
      throw RuntimeError.io(path: path, message: "cannot create a file in \(dir): \(String(cString: strerror(errno)))")
    }
    let tmp = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    var ok = false
    defer {
      if !ok { unlink(tmp) }
    }
    do {
      try body(fd)
      guard fsync(fd) == 0 else {
        throw RuntimeError.io(path: path, message: "fsync failed: \(String(cString: strerror(errno)))")
      }
      fchmod(fd, 0o644)
      close(fd)
    } catch {
      close(fd)
      throw error
    }
    guard rename(tmp, path) == 0 else {
      throw RuntimeError.io(path: path, message: "cannot replace the file: \(String(cString: strerror(errno)))")
    }
    ok = true
    // Make the rename itself durable.
    let dfd = open(dir, O_RDONLY)
    if dfd >= 0 { fsync(dfd); close(dfd) }
  }

  static func directory(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    let d = String(path[..<slash])
    return d.isEmpty ? "/" : d
  }

  static func baseName(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return path }
    return String(path[path.index(after: slash)...])
  }
}
