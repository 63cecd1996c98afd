/// Completion candidates from the session's globals, the builtin registry and keywords.
struct Completion {
  let context: CallContext

  func candidates(line: String, cursor: Int) -> [String] {
    let chars = Array(line.prefix(max(0, cursor)))
    var start = chars.count
    while start > 0, chars[start - 1].isLetter || chars[start - 1].isNumber || chars[start - 1] == "_" || chars[start - 1] == "." {
      start -= 1
    }
    let word = String(chars[start...])
    if let dot = word.lastIndex(of: ".") {
      let base = String(word[..<dot]), prefix = String(word[word.index(after: dot)...])
      return members(of: base).filter { $0.hasPrefix(prefix) }.map { base + "." + $0 }.sorted()
    }
    var out = Set<String>()
    if let callee = enclosingCall(chars, before: start) {
      for p in parameterNames(callee) where p.hasPrefix(word) { out.insert(p + ":") }
    }
    let names = context.globals.definedNames + context.registry.all.map(\.name) + Array(rslKeywords)
    for n in names where n.hasPrefix(word) { out.insert(n) }
    return out.sorted()
  }

  /// Fields of a global variable named `base` (no evaluation, so no side effects).
  private func members(of base: String) -> [String] {
    guard base.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }), let v = context.globals.lookup(base) else { return [] }
    switch v {
    case .record(let r): return r.keys
    case .object(let o): return o.memberNames
    case .tensor: return ["shape", "grad"]
    default: return []
    }
  }

  /// The name before the innermost unclosed `(` before `end`.
  private func enclosingCall(_ chars: [Character], before end: Int) -> String? {
    var depth = 0, i = end - 1
    var inString = false
    while i >= 0 {
      let c = chars[i]
      if c == "\"" { inString.toggle() } else if !inString {
        if c == ")" || c == "]" { depth += 1 } else if c == "(" || c == "[" {
          if depth == 0 {
            guard c == "(" else { return nil }
            var j = i
            while j > 0, chars[j - 1].isLetter || chars[j - 1].isNumber || chars[j - 1] == "_" { j -= 1 }
            return j < i ? String(chars[j..<i]) : nil
          }
          depth -= 1
        }
      }
      i -= 1
    }
    return nil
  }

  private func parameterNames(_ callee: String) -> [String] {
    switch context.globals.lookup(callee) ?? context.registry[callee].map({ .builtin($0) }) {
    case .builtin(let b): return b.parameters.filter { $0.kind != .rest }.map(\.name)
    case .closure(let c): return c.parameterNames
    default: return []
    }
  }
}
