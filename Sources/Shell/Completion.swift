import Interpreter

/// Tab completion at the REPL: `:commands`, file paths inside a string literal or after
/// `:load`, and everything the language knows (builtins, variables, fields after `x.`,
/// keyword arguments inside a call) from `Session.completions`.
struct Completion {
  let session: Session

  /// Completes the word before `cursor` (a Character offset); see `LineEditor.Completer`.
  func complete(line: String, cursor: Int) -> (start: Int, candidates: [String]) {
    let chars = Array(line.prefix(max(0, cursor)))
    let firstNonBlank = chars.firstIndex(where: { $0 != " " && $0 != "\t" }) ?? chars.count
    if firstNonBlank < chars.count, chars[firstNonBlank] == ":" {
      return completeMeta(chars, from: firstNonBlank)
    }
    return completeCode(chars, offset: 0, fullLine: line)
  }

  // MARK: - Meta commands

  private func completeMeta(_ chars: [Character], from begin: Int) -> (start: Int, candidates: [String]) {
    let commandEnd = chars[begin...].firstIndex(where: { $0 == " " || $0 == "\t" }) ?? chars.count
    if commandEnd == chars.count {
      let typed = String(chars[begin...])
      return (begin, MetaCommand.names.map { ":" + $0 }.filter { $0.hasPrefix(typed) })
    }
    let command = String(chars[(begin + 1)..<commandEnd])
    let argStart = chars[commandEnd...].firstIndex(where: { $0 != " " && $0 != "\t" }) ?? chars.count
    let argument = String(chars[argStart...])
    switch command {
    case "load":
      return (argStart, Completion.paths(matching: argument))
    case "help":
      let word = Completion.identifierStart(chars)
      let typed = String(chars[word...])
      let names = session.completions(line: typed, cursor: typed.count)
      return (word, names.filter { $0.hasPrefix(typed) })
    case "time":
      let sub = String(chars[argStart...])
      let (start, candidates) = completeCode(Array(sub), offset: argStart, fullLine: sub)
      return (start, candidates)
    default:
      return (chars.count, [])
    }
  }

  // MARK: - Code

  /// Completes in RSL source; `offset` is where `chars` starts in the whole line.
  private func completeCode(_ chars: [Character], offset: Int, fullLine: String) -> (start: Int, candidates: [String]) {
    switch Completion.literalState(chars) {
    case .comment:
      return (offset + chars.count, [])
    case .string(let quoteIndex):
      let fragment = String(chars[(quoteIndex + 1)...])
      return (offset + quoteIndex + 1, Completion.paths(matching: fragment))
    case .code:
      break
    }
    let wordStart = Completion.identifierStart(chars)
    let word = String(chars[wordStart...])
    var dottedStart = wordStart
    while dottedStart > 0, Completion.isIdentifier(chars[dottedStart - 1]) || chars[dottedStart - 1] == "." {
      dottedStart -= 1
    }
    let dotted = String(chars[dottedStart...])
    let raw = session.completions(line: fullLine, cursor: chars.count)
    // The session may answer with the field name alone ("field") or the whole dotted
    // expression ("x.field"); either way we replace only the last identifier.
    var seen = Set<String>()
    let candidates: [String] = raw.compactMap { c in
      var c = c
      if dotted != word, c.hasPrefix(dotted) { c = String(c.dropFirst(dotted.count - word.count)) }
      guard c.hasPrefix(word), seen.insert(c).inserted else { return nil }
      return c
    }
    return (offset + wordStart, candidates)
  }

  // MARK: - Lexical helpers

  private enum LiteralState { case code, string(quoteIndex: Int), comment }

  /// Whether the end of `chars` is inside a string literal (and where it opened), a
  /// comment, or plain code; `\"` escapes are skipped.
  private static func literalState(_ chars: [Character]) -> LiteralState {
    var i = 0
    var open: Int? = nil
    while i < chars.count {
      let c = chars[i]
      if let _ = open {
        if c == "\\" { i += 2; continue }
        if c == "\"" { open = nil }
      } else if c == "\"" {
        open = i
      } else if c == "#" {
        return .comment
      }
      i += 1
    }
    if let q = open { return .string(quoteIndex: q) }
    return .code
  }

  static func isIdentifier(_ c: Character) -> Bool {
    c == "_" || (c.isASCII && (c.isLetter || c.isNumber))
  }

  /// The index where the identifier ending at the end of `chars` starts.
  static func identifierStart(_ chars: [Character]) -> Int {
    var i = chars.count
    while i > 0, isIdentifier(chars[i - 1]) { i -= 1 }
    return i
  }

  /// File and folder names completing `fragment` (a path typed so far); folders get a
  /// trailing `/` so completion can continue inside them. `~/` means the home folder.
  static func paths(matching fragment: String) -> [String] {
    let slash = fragment.lastIndex(of: "/")
    let dirPart = slash.map { String(fragment[...$0]) } ?? ""
    let namePrefix = slash.map { String(fragment[fragment.index(after: $0)...]) } ?? fragment
    var folder = dirPart.isEmpty ? "." : dirPart
    if folder.hasPrefix("~/"), let home = FileSystem.home { folder = home + folder.dropFirst() }
    return FileSystem.list(folder).compactMap { name in
      guard name.hasPrefix(namePrefix) else { return nil }
      if name.hasPrefix("."), !namePrefix.hasPrefix(".") { return nil }
      let isFolder = FileSystem.isDirectory(folder + "/" + name)
      return dirPart + name + (isFolder ? "/" : "")
    }
  }
}
