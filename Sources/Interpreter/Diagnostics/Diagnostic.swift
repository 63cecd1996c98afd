/// One language error, rendered once by `rendered` in the format docs/language.md ("Errors") describes:
/// `file:line:col: error: message`, the source line, a caret, then traceback lines.
public struct Diagnostic: Error, CustomStringConvertible, Sendable {
  public var message: String
  public var file: String
  public var line: Int
  public var column: Int
  public var sourceLine: String
  /// One entry per call frame, innermost first, e.g. "  in f at script.rsl:3:5".
  public var traceback: [String]
  public init(message: String, file: String, line: Int, column: Int, sourceLine: String, traceback: [String] = []) {
    self.message = message; self.file = file; self.line = line; self.column = column
    self.sourceLine = sourceLine; self.traceback = traceback
  }

  /// The first line: `file:line:col: error: message`.
  public var header: String { "\(file):\(line):\(column): error: \(message)" }

  public var rendered: String {
    var s = header + "\n    " + sourceLine + "\n    " + String(repeating: " ", count: max(0, column - 1)) + "^"
    for t in traceback { s += "\n" + t }
    return s
  }
  public var description: String { rendered }
}

extension CallContext {
  /// The one place a `ScriptError` becomes a `Diagnostic` (file, line, source line, traceback).
  func diagnostic(_ e: ScriptError, fallbackSource: Int) -> Diagnostic {
    let span = e.span ?? SourceSpan(source: fallbackSource, line: 1, column: 1)
    func file(_ s: SourceSpan) -> SourceFile? { Int(s.source) < sources.count ? sources[Int(s.source)] : nil }
    func location(_ s: SourceSpan) -> String { "\(file(s)?.name ?? "?"):\(s.line):\(s.column)" }
    var traceback = e.frames.map { "  in \($0.name) at \(location($0.at))" }
    if traceback.count > 24 {
      // Deep recursion: the innermost and outermost calls tell the story.
      let hidden = traceback.count - 20
      traceback = Array(traceback.prefix(10)) + ["  ... \(hidden) more calls ..."] + Array(traceback.suffix(10))
    }
    if !e.frames.isEmpty, let p = e.point { traceback.append("  in <top level> at \(location(p))") }
    let src = file(span)
    // Tabs become single spaces so the caret stays under the right column.
    let line = (src?.line(Int(span.line)) ?? "").map { $0 == "\t" ? " " : $0 }
    return Diagnostic(
      message: e.kind.message, file: src?.name ?? "?", line: Int(span.line), column: Int(span.column),
      sourceLine: String(line), traceback: traceback)
  }
}
