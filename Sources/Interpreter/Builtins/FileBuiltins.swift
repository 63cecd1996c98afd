#if canImport(Glibc)
import Glibc
#endif
import Runtime

extension BuiltinRegistry {
  static func registerFiles(_ r: BuiltinRegistry) {
    let c = "files"
    r.add("read_text(path)", category: c, doc: "The contents of a text file (UTF-8).",
          example: "read_text(\"notes.txt\")", needsFiles: true) { a in
      .string(try FileBytes.readText(try a.string(0)))
    }
    r.add("write_text(path, s)", category: c, doc: "Writes a string to a file atomically (replacing it).",
          example: "write_text(\"/tmp/rslab-notes.txt\", \"hello\\n\")", needsFiles: true) { a in
      try AtomicWrite.write(a[1].text, to: try a.string(0))
      return .null
    }
    r.add("make_dir(path)", category: c, doc: "Creates a folder and any missing parents (nothing happens if it exists).",
          example: "make_dir(\"/tmp/rslab-results/run1\")", needsFiles: true) { a in
      try FileText.makeDirectory(try a.string(0))
      return .null
    }
    r.add("load_npy(path)", category: c, doc: "A NumPy .npy file (float or integer dtypes) as a float tensor.",
          example: "x = load_npy(\"weights.npy\")", needsFiles: true) { a in
      .tensor(try NPY.load(path: try a.string(0)))
    }
    r.add("save_npy(t, path)", category: c, doc: "Saves a tensor as a float32 NumPy .npy file (atomically).",
          example: "save_npy(eye(3), \"/tmp/rslab-eye.npy\")", needsFiles: true) { a in
      try NPY.save(try a.tensor(0), path: try a.string(1))
      return .null
    }
    r.add("load_png(path)", category: c, doc: "An image file as a float tensor [C, H, W] with values in [0, 1].",
          example: "img = load_png(\"digit.png\")", needsFiles: true) { a in
      .tensor(try PNGCodec.tensor(fromPath: try a.string(0)))
    }
    r.add("save_png(t, path)", category: c, doc: "Saves a [C, H, W] or [H, W] tensor (clipped to [0, 1]) as an 8-bit PNG.",
          example: "save_png(rand([3, 8, 8], seed: 0), \"/tmp/rslab-noise.png\")", needsFiles: true) { a in
      let path = try a.string(1)
      try PNGCodec.write(tensor: try a.tensor(0), path: path)
      a.context.emitImage(path: path)
      return .null
    }
  }
}

/// Folder creation for `make_dir`.
enum FileText {
  /// `mkdir -p`: creates each missing folder of `path`; an existing non-folder is an error.
  static func makeDirectory(_ path: String) throws {
    guard !path.isEmpty else { throw RuntimeError.io(path: path, message: "empty path") }
    var prefix = path.hasPrefix("/") ? "/" : ""
    for part in path.split(separator: "/", omittingEmptySubsequences: true) {
      prefix += (prefix.isEmpty || prefix.hasSuffix("/") ? "" : "/") + part
      var st = stat()
      if stat(prefix, &st) == 0 {
        guard (st.st_mode & S_IFMT) == S_IFDIR else { throw RuntimeError.io(path: prefix, message: "exists and is not a folder") }
        continue
      }
      if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
        throw RuntimeError.io(path: prefix, message: String(cString: strerror(errno)))
      }
    }
  }
}
