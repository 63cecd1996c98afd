#if canImport(Glibc)
import Glibc
#endif
import Interpreter
import Runtime

/// What Jupyter knows about rslab: the kernelspec (how to start the kernel) and the
/// language description that `kernel_info` replies with and exported notebooks carry, so
/// that a notebook written by `rslab notebook` reopens with the rslab kernel.
enum KernelSpec {
  /// The kernel's name: the folder under `kernels/` and `jupyter console --kernel rslab`.
  static let name = "rslab"
  static let displayName = "RSL (rslab)"
  static let language = "rsl"
  static let mimetype = "text/x-rsl"
  static let fileExtension = ".rsl"

  /// `language_info` of `kernel_info_reply` and notebook metadata. There is no Pygments
  /// lexer for RSL, and without `pygments_lexer` front ends look the language name up:
  /// Pygments' `rsl` is an unrelated language (RAISE) and would colour RSL wrongly.
  /// Hence plain text.
  static var languageInfo: JSONValue {
    .object([
      ("name", .string(language)),
      ("version", .string(Session.version)),
      ("mimetype", .string(mimetype)),
      ("file_extension", .string(fileExtension)),
      ("pygments_lexer", .string("text")),
    ])
  }

  /// `metadata.kernelspec` of a notebook.
  static var notebookKernelspec: JSONValue {
    .object([
      ("display_name", .string(displayName)),
      ("language", .string(language)),
      ("name", .string(name)),
    ])
  }

  /// `kernel.json`: started as `rslab kernel -f CONNECTION_FILE`, interrupted with SIGINT
  /// (the kernel stops the running cell at its next safe point, as Ctrl-C does in the REPL).
  static func kernelJSON(executable: String) -> JSONValue {
    .object([
      ("argv", .array([.string(executable), .string("kernel"), .string("-f"), .string("{connection_file}")])),
      ("display_name", .string(displayName)),
      ("language", .string(language)),
      ("interrupt_mode", .string("signal")),
      ("metadata", .object([("debugger", .bool(false))])),
    ])
  }

  /// Writes `kernel.json` and the logos into `folder` (created if needed).
  static func install(into folder: String, executable: String) throws {
    try FileSystem.makeDirectory(folder)
    try AtomicWrite.write(kernelJSON(executable: executable).rendered(), to: folder + "/kernel.json")
    try AtomicWrite.write(try logo(side: 64), to: folder + "/logo-64x64.png")
    try AtomicWrite.write(try logo(side: 32), to: folder + "/logo-32x32.png")
  }

  /// The kernel's logo: "RSL" on a dark square, drawn and encoded by the plotting runtime.
  static func logo(side: Int) throws -> [UInt8] {
    var canvas = Canvas(width: side, height: side, background: RGB(hex: 0x1F3A5F))
    let scale = side >= 64 ? 3 : 1
    let height = BitmapFont.standard.height(scale: scale)
    canvas.text("RSL", x: side / 2, y: (side - height) / 2, color: .white, scale: scale, align: .center)
    return try PNGCodec.encode(pixels: canvas.pixels, width: side, height: side, channels: 3)
  }

  /// The absolute path of the running rslab binary (kernel.json must not depend on PATH).
  static func executablePath() -> String? {
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    guard n > 0 else { return nil }
    return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }
}
