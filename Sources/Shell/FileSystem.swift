#if canImport(Glibc)
import Glibc
#endif
import Runtime

/// The few file operations the shell needs, on POSIX calls (no Foundation: startup time).
enum FileSystem {
  /// Whether `path` names an existing folder.
  static func isDirectory(_ path: String) -> Bool {
    var st = stat()
    return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
  }

  /// Creates `path` and its missing parent folders unless it already exists as a folder.
  static func makeDirectory(_ path: String) throws {
    if isDirectory(path) { return }
    let parent = PathName.directory(of: path)
    if !parent.isEmpty, parent != path, parent != "." { try makeDirectory(parent) }
    guard mkdir(path, 0o755) == 0 || (errno == EEXIST && isDirectory(path)) else {
      throw RuntimeError.io(path: path, message: lastError())
    }
  }

  /// The names in a folder, without `.` and `..`; empty when it cannot be read.
  static func list(_ path: String) -> [String] {
    guard let dir = opendir(path) else { return [] }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
      let name = withUnsafePointer(to: entry.pointee.d_name) {
        $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
      }
      if name != "." && name != ".." { names.append(name) }
    }
    return names.sorted()
  }

  /// The user's home folder (`$HOME`), or nil.
  static var home: String? {
    guard let h = getenv("HOME") else { return nil }
    let s = String(cString: h)
    return s.isEmpty ? nil : s
  }

  /// An environment variable, or nil when unset.
  static func environment(_ name: String) -> String? {
    guard let v = getenv(name) else { return nil }
    return String(cString: v)
  }

  private static func lastError() -> String { String(cString: strerror(errno)) }
}
