#if canImport(Glibc)
import Glibc
#endif

/// Writes files atomically: a temporary file in the same folder, fsync, then rename over
/// the target, so a crash or kill -9 mid-write leaves the previous file intact.
///
/// The temporary file is `.NAME.tmp-XXXXXX` beside `NAME`. A process killed mid-write (kill -9,
/// power loss) cannot remove it; the next successful write of `NAME` does. Each writer holds
/// an exclusive `flock` on its temporary file while writing, and the lock dies with the
/// process, so a temporary file whose lock can be taken is an orphan, never another live
/// writer's work.
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
    let dir = PathName.directory(of: path)
    var st = stat()
    guard stat(dir, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else {
      throw RuntimeError.io(path: path, message: "the folder \(dir) does not exist")
    }
    var template = Array("\(dir)/.\(PathName.baseName(of: path)).tmp-XXXXXX".utf8CString)
    let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    guard fd >= 0 else {
      throw RuntimeError.io(path: path, message: "cannot create a file in \(dir): \(String(cString: strerror(errno)))")
    }
    let tmp = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    // Marks this temporary file as live (see removeOrphans).
    _ = flock(fd, LOCK_EX | LOCK_NB)
    var ok = false
    defer {
      if !ok { unlink(tmp) }
    }
    do {
      try body(fd)
      // Signal handlers are installed without SA_RESTART (so Ctrl-C wakes the line editor):
      // a signal arriving during fsync must not fail the write.
      while fsync(fd) != 0 {
        guard errno == EINTR else {
          throw RuntimeError.io(path: path, message: "fsync failed: \(String(cString: strerror(errno)))")
        }
      }
      fchmod(fd, 0o644)
    } catch {
      close(fd)
      throw error
    }
    // The descriptor (and its lock) stays open until the rename is done.
    guard rename(tmp, path) == 0 else {
      let reason = String(cString: strerror(errno))
      close(fd)
      throw RuntimeError.io(path: path, message: "cannot replace the file: \(reason)")
    }
    close(fd)
    ok = true
    // Make the rename itself durable.
    let dfd = open(dir, O_RDONLY)
    if dfd >= 0 { fsync(dfd); close(dfd) }
    removeOrphans(of: path)
  }

  /// Removes temporary files of `path` left by writers that died mid-write: those whose
  /// `flock` can be taken (a live writer holds its lock until it renames or deletes).
  public static func removeOrphans(of path: String) {
    let dir = PathName.directory(of: path), prefix = ".\(PathName.baseName(of: path)).tmp-"
    guard let d = opendir(dir) else { return }
    defer { closedir(d) }
    var orphans: [String] = []
    while let e = readdir(d) {
      let name = withUnsafeBytes(of: e.pointee.d_name) { raw in
        String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
      }
      // mkstemp's suffix is exactly six characters.
      guard name.hasPrefix(prefix), name.utf8.count == prefix.utf8.count + 6 else { continue }
      orphans.append("\(dir)/\(name)")
    }
    for file in orphans {
      let fd = open(file, O_RDONLY | O_NOFOLLOW)
      guard fd >= 0 else { continue }
      if flock(fd, LOCK_EX | LOCK_NB) == 0 { unlink(file) }
      close(fd)
    }
  }
}
