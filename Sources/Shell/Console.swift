#if canImport(Glibc)
import Glibc
#endif

/// Standard streams, without Foundation (it costs startup time).
enum Console {
  /// Writes `text` to standard output (buffered; see `flush`).
  static func out(_ text: String) { print(text, terminator: "") }

  /// Writes `text` and a newline to standard output.
  static func line(_ text: String) { print(text) }

  /// Writes `text` to standard error, unbuffered, after flushing standard output so the
  /// two streams interleave in the order they were written.
  static func err(_ text: String) {
    flush()
    var bytes = Array(text.utf8)
    if bytes.last != UInt8(ascii: "\n") { bytes.append(UInt8(ascii: "\n")) }
    writeAll(fd: 2, bytes)
  }

  /// Flushes every C stream (standard output included).
  static func flush() { fflush(nil) }

  /// Whether standard input is a terminal (REPL) rather than a pipe or file (script).
  static var stdinIsTerminal: Bool { isatty(0) == 1 }

  /// Reads standard input to its end.
  static func readAllStdin() -> String {
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
      let n = chunk.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
      if n < 0 && errno == EINTR {
        if Interrupt.terminationRequested { break }
        continue
      }
      if n <= 0 { break }
      bytes.append(contentsOf: chunk[0..<n])
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  private static func writeAll(fd: Int32, _ bytes: [UInt8]) {
    bytes.withUnsafeBytes { raw in
      var off = 0
      while off < raw.count, let base = raw.baseAddress {
        let n = write(fd, base + off, raw.count - off)
        if n < 0 {
          if errno == EINTR { continue }
          return
        }
        off += n
      }
    }
  }
}
