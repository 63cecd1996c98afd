#if canImport(Glibc)
import Glibc
#endif
import CZlib

/// The one whole-file reader (datasets, NPY, safetensors, PNG, `read_text`, the Shell's
/// scripts and notebooks), with one error wording: `path: cannot open: <system reason>`,
/// `path: not a regular file`, `path: read failed: <reason>`. Also gzip (via zlib's inflate
/// into a buffer preallocated from the gzip size trailer) and small filesystem queries.
public enum FileBytes {
  /// The bytes of the file at `path`; errors name the path and the reason.
  public static func read(_ path: String) throws -> [UInt8] {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else {
      throw RuntimeError.io(path: path, message: "cannot open: \(String(cString: strerror(errno)))")
    }
    defer { close(fd) }
    var st = stat()
    guard fstat(fd, &st) == 0 else {
      throw RuntimeError.io(path: path, message: "cannot stat: \(String(cString: strerror(errno)))")
    }
    guard (st.st_mode & S_IFMT) == S_IFREG else {
      throw RuntimeError.io(path: path, message: "not a regular file")
    }
    let size = Int(st.st_size)
    try MemoryLimit.check(bytes: size, op: "reading \(path)")
    var failure: String?
    let bytes = [UInt8](unsafeUninitializedCapacity: size) { buf, initialized in
      var off = 0
      while off < size {
        let n = Glibc.read(fd, buf.baseAddress! + off, size - off)
        if n < 0 {
          if errno == EINTR { continue }
          failure = "read failed: \(String(cString: strerror(errno)))"
          break
        }
        if n == 0 { break }
        off += n
      }
      // Only bytes actually read count; a file shrinking under us shows up as truncation.
      initialized = off
    }
    if let failure { throw RuntimeError.io(path: path, message: failure) }
    return bytes
  }

  /// The file's bytes, inflated when they start with the gzip magic number.
  /// The file as UTF-8 text (invalid sequences become U+FFFD).
  public static func readText(_ path: String) throws -> String {
    String(decoding: try read(path), as: UTF8.self)
  }

  /// The file's bytes, inflated when they start with the gzip magic number.
  static func readMaybeGzip(_ path: String) throws -> [UInt8] {
    let raw = try read(path)
    if raw.count >= 2, raw[0] == 0x1f, raw[1] == 0x8b { return try gunzip(raw, path: path) }
    return raw
  }

  /// Inflates gzip data (all members); a truncated or corrupt stream is an error.
  ///
  /// Inflates into one malloc'd buffer sized from the gzip size trailer (capped by deflate's
  /// 1032:1 maximum ratio, since a damaged trailer can claim 4 GiB), grown by realloc if the
  /// trailer was low, so the 47 MB of Fashion-MNIST inflate with a single final copy.
  static func gunzip(_ data: [UInt8], path: String) throws -> [UInt8] {
    guard data.count >= 18 else { throw RuntimeError.io(path: path, message: "truncated gzip file (\(data.count) bytes)") }
    let n = data.count
    let isize = Int(data[n - 4]) | Int(data[n - 3]) << 8 | Int(data[n - 2]) << 16 | Int(data[n - 1]) << 24
    var capacity = max(min(isize, n * 1032), 4096)
    try MemoryLimit.check(bytes: capacity, op: "inflating \(path)")
    guard var out = malloc(capacity)?.assumingMemoryBound(to: UInt8.self) else {
      throw RuntimeError.resourceLimit(message: "\(path): cannot allocate \(capacity) bytes to inflate")
    }
    defer { free(out) }
    var produced = 0
    var strm = z_stream()
    guard inflateInit2_(&strm, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
      throw RuntimeError.io(path: path, message: "zlib could not start inflating")
    }
    defer { inflateEnd(&strm) }
    try data.withUnsafeBufferPointer { inp in
      strm.next_in = UnsafeMutablePointer(mutating: inp.baseAddress!)
      strm.avail_in = UInt32(inp.count)
      while true {
        if produced == capacity {
          let bigger = capacity * 2
          // A gzip bomb (or a trailer that lies) stops here, not in the kernel's OOM killer.
          try MemoryLimit.check(bytes: bigger, op: "inflating \(path)")
          guard let p = realloc(out, bigger) else {
            throw RuntimeError.resourceLimit(message: "\(path): cannot allocate \(bigger) bytes to inflate")
          }
          out = p.assumingMemoryBound(to: UInt8.self)
          capacity = bigger
        }
        let chunk = min(capacity - produced, Int(UInt32.max))
        strm.next_out = out + produced
        strm.avail_out = UInt32(chunk)
        let status = inflate(&strm, Z_NO_FLUSH)
        produced += chunk - Int(strm.avail_out)
        switch status {
        case Z_STREAM_END:
          // Another gzip member may follow (concatenated .gz files are valid gzip).
          if strm.avail_in >= 2, strm.next_in[0] == 0x1f, strm.next_in[1] == 0x8b {
            guard inflateReset(&strm) == Z_OK else { throw RuntimeError.io(path: path, message: "zlib reset failed") }
            continue
          }
          return
        case Z_OK:
          continue
        case Z_BUF_ERROR:
          if strm.avail_in == 0 {
            throw RuntimeError.io(path: path, message: "truncated gzip data: the stream ends early after \(produced) bytes")
          }
          continue  // output full: the loop grows the buffer
        default:
          let msg = strm.msg.map { String(cString: $0) } ?? "error \(status)"
          throw RuntimeError.io(path: path, message: "corrupt gzip data: \(msg)")
        }
      }
    }
    return Array(UnsafeBufferPointer(start: out, count: produced))
  }

  /// Whether `path` exists and is a regular file.
  static func isFile(_ path: String) -> Bool {
    var st = stat()
    return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
  }

  /// Whether `path` exists and is a directory.
  static func isDirectory(_ path: String) -> Bool {
    var st = stat()
    return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
  }

  /// Names in a directory (no `.`/`..`), sorted by byte order so class order is stable.
  static func list(_ dir: String) throws -> [String] {
    guard let d = opendir(dir) else {
      let reason = errno == ENOENT ? "folder not found" : "cannot open the folder: \(String(cString: strerror(errno)))"
      throw RuntimeError.io(path: dir, message: reason)
    }
    defer { closedir(d) }
    var names: [String] = []
    while let e = readdir(d) {
      let name = withUnsafeBytes(of: e.pointee.d_name) { raw in
        String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
      }
      if name != ".", name != ".." { names.append(name) }
    }
    return names.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
  }

  /// Creates a directory (and missing parents); an existing directory is fine.
  static func makeDirectory(_ path: String) throws {
    if isDirectory(path) { return }
    let parent = PathName.directory(of: path)
    if parent != path, !parent.isEmpty, parent != ".", !isDirectory(parent) { try makeDirectory(parent) }
    if mkdir(path, 0o755) != 0, errno != EEXIST {
      throw RuntimeError.io(path: path, message: "cannot create the folder: \(String(cString: strerror(errno)))")
    }
  }

  /// The value of an environment variable, if set and non-empty.
  static func environment(_ name: String) -> String? {
    guard let v = getenv(name) else { return nil }
    let s = String(cString: v)
    return s.isEmpty ? nil : s
  }
}
