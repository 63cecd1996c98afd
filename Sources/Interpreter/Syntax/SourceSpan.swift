/// A place in a source chunk: which chunk (an index into the session's source table),
/// the 1-based line and column of its first character, and its length in characters.
///
/// Every token and AST node carries one, so any error can point at the exact operator,
/// call or name that caused it.
public struct SourceSpan: Sendable, Equatable {
  public var source: Int32
  public var line: Int32
  public var column: Int32
  public var length: Int32

  public init(source: Int, line: Int, column: Int, length: Int = 1) {
    self.source = Int32(truncatingIfNeeded: source)
    self.line = Int32(truncatingIfNeeded: line)
    self.column = Int32(truncatingIfNeeded: column)
    self.length = Int32(truncatingIfNeeded: max(length, 1))
  }
}

/// One chunk of source text (a script, a notebook cell, a REPL entry) and its name.
public final class SourceFile: Sendable {
  public let name: String
  public let lines: [String]

  public init(name: String, text: String) {
    self.name = name
    self.lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
      $0.hasSuffix("\r") ? String($0.dropLast()) : String($0)
    }
  }

  /// The text of a 1-based line, or "" when out of range.
  public func line(_ n: Int) -> String { n >= 1 && n <= lines.count ? lines[n - 1] : "" }
}
