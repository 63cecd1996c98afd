import Runtime

// CONTRACT between Interpreter and Shell (the Interpreter helper fills in the bodies;
// the Shell helper codes against these signatures). Temporary bodies below.

/// One language error, rendered once by `rendered` in the LANGUAGE.md format:
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
  public var rendered: String {
    var s = "\(file):\(line):\(column): error: \(message)\n    \(sourceLine)\n    " + String(repeating: " ", count: max(0, column - 1)) + "^"
    for t in traceback { s += "\n" + t }
    return s
  }
  public var description: String { rendered }
}

/// What running one chunk of source produced.
public struct RunResult: Sendable {
  /// The display text of the final expression statement's value (nil when there is
  /// none, or when the statement ended with `;`).
  public var echo: String?
  public init(echo: String?) { self.echo = echo }
}

/// A language session: globals, builtins, output sinks. The Shell owns one per REPL /
/// script / notebook; the notebook runner swaps the sinks per cell.
public final class Session {
  /// Receives everything `print` writes (text, including newlines).
  public var output: (String) -> Void
  /// Receives the path of every PNG a builtin produces (plots, grids); notebooks embed them.
  public var imageSink: (String) -> Void
  /// Extra command-line arguments, returned by `args()`.
  public var scriptArguments: [String] = []

  public init(output: @escaping (String) -> Void = { print($0, terminator: "") },
              imageSink: @escaping (String) -> Void = { _ in }) {
    self.output = output
    self.imageSink = imageSink
  }

  /// Runs `source` (a script, a cell or a REPL entry) named `file` for diagnostics.
  public func run(_ source: String, file: String) throws(Diagnostic) -> RunResult {
    throw Diagnostic(message: "the language is not implemented yet", file: file, line: 1, column: 1, sourceLine: "")
  }

  /// True when `source` ends inside an open block or bracket (the REPL shows a continuation prompt).
  public func isIncomplete(_ source: String) -> Bool { false }

  /// Completion candidates for the word ending at `cursor` in `line`.
  public func completions(line: String, cursor: Int) -> [String] { [] }

  /// `(name, type, summary)` of every user variable, for `:vars`.
  public func variables() -> [(name: String, type: String, summary: String)] { [] }

  /// Help text for a builtin or `nil` for an overview.
  public func help(_ name: String?) -> String { "" }

  /// Forgets every user variable.
  public func reset() {}

  /// The builtin reference as Markdown (`rslab --builtins`, committed as docs/builtins.md).
  public func builtinReference() -> String { "" }

  /// The rslab version string.
  public static let version = "0.1.0"
}
