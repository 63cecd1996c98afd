import Interpreter

/// The kernel's answers about code that is not run: completion, help and whether a cell is
/// complete. They reuse the REPL's completer, `:help` and continuation rule. Cursor
/// positions are in Unicode scalars, as the messaging protocol (5.2 and later) counts them.
extension KernelExecutor {
  /// Completions at `cursor` in `code`: the REPL's candidates for the word before the
  /// cursor, functions with an opening parenthesis, and the range they replace.
  func complete(_ code: String, cursor: Int?) -> (matches: [String], start: Int, end: Int) {
    let scalars = Array(code.unicodeScalars)
    let cursor = min(max(cursor ?? scalars.count, 0), scalars.count)
    var lineStart = cursor
    while lineStart > 0, scalars[lineStart - 1] != "\n" { lineStart -= 1 }
    var lineEnd = cursor
    while lineEnd < scalars.count, scalars[lineEnd] != "\n" { lineEnd += 1 }
    let line = KernelExecutor.text(scalars[lineStart..<lineEnd])
    let before = KernelExecutor.text(scalars[lineStart..<cursor])
    let (start, candidates) = Completion(session: session).complete(line: line, cursor: before.count)
    let startScalar = lineStart + String(line.prefix(start)).unicodeScalars.count
    // In code (not after `:help`), a function completes with its "(" unless one follows.
    let isHelp = line.trimmingBlanks().hasPrefix(":") && MetaCommand.resolve(
      String(line.trimmingBlanks().dropFirst().prefix { $0 != " " && $0 != "\t" })) == .help
    let openFollows = cursor < scalars.count && scalars[cursor] == "("
    let matches = candidates.map { c in
      !isHelp && !openFollows && isFunction(c) ? c + "(" : c
    }
    return (matches, startScalar, cursor)
  }

  /// The documentation of the name at (or the call around) `cursor`, as `:help name`
  /// prints it; nil when there is none.
  func inspect(_ code: String, cursor: Int?) -> String? {
    let scalars = Array(code.unicodeScalars)
    let cursor = min(max(cursor ?? scalars.count, 0), scalars.count)
    func isName(_ s: Unicode.Scalar) -> Bool { s == "_" || (s.isASCII && (s.properties.isAlphabetic || ("0"..."9").contains(s))) }
    var start = cursor, end = cursor
    while start > 0, isName(scalars[start - 1]) { start -= 1 }
    while end < scalars.count, isName(scalars[end]) { end += 1 }
    if start == end, start > 0, scalars[start - 1] == "(" {
      // Just after `name(`: the function being called.
      end = start - 1
      start = end
      while start > 0, isName(scalars[start - 1]) { start -= 1 }
    }
    guard start < end else { return nil }
    let name = KernelExecutor.text(scalars[start..<end])
    // `:help` explains an unknown name in a sentence; for inspect it is simply not found.
    guard session.value(of: name) != nil else { return nil }
    let text = session.help(name)
    return text.isEmpty ? nil : text
  }

  /// Whether `code` still needs lines (an open block or bracket), as the REPL decides
  /// when to show its continuation prompt; a `:command` is always complete.
  func isIncomplete(_ code: String) -> Bool {
    if code.trimmingBlanks().hasPrefix(":") { return false }
    return session.isIncomplete(code)
  }

  private func isFunction(_ name: String) -> Bool {
    guard !name.isEmpty, name.allSatisfy(Completion.isIdentifier) else { return false }
    switch session.value(of: name) {
    case .builtin?, .closure?: return true
    default: return false
    }
  }

  private static func text(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
    var view = String.UnicodeScalarView()
    view.append(contentsOf: scalars)
    return String(view)
  }
}
