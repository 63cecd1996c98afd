/// Turns source text into tokens with line/column positions.
///
/// Line breaks are always emitted as `.newline`; the parser decides where they end a
/// statement (it ignores them inside brackets and after a binary operator or `,`).
struct Lexer {
  private let chars: [Character]
  private var pos = 0
  private var line: Int
  private var column: Int
  private let source: Int

  init(_ text: String, source: Int, line: Int = 1, column: Int = 1) {
    self.chars = Array(text)
    self.source = source
    self.line = line
    self.column = column
  }

  /// All tokens, ending with `.eof`; the first lexical error is thrown.
  mutating func tokenize() throws(ScriptError) -> [Token] {
    var out: [Token] = []
    // End-of-input errors point just after the last real token, not past trailing comments.
    var end: SourceSpan? = nil
    while true {
      var t = try next()
      if t.kind == .eof {
        if let e = end { t.span = e }
        out.append(t)
        return out
      }
      if t.kind != .newline {
        end = SourceSpan(source: source, line: Int(t.span.line), column: Int(t.span.column + t.span.length), length: 1)
      }
      out.append(t)
    }
  }

  private func peek(_ k: Int = 0) -> Character? { pos + k < chars.count ? chars[pos + k] : nil }

  private mutating func advance() -> Character {
    let c = chars[pos]
    pos += 1
    if c == "\n" { line += 1; column = 1 } else { column += 1 }
    return c
  }

  private func span(_ l: Int, _ c: Int, _ len: Int) -> SourceSpan {
    SourceSpan(source: source, line: l, column: c, length: len)
  }

  private mutating func next() throws(ScriptError) -> Token {
    // Skip blanks and comments (a comment runs to the end of the line).
    while let c = peek() {
      if c == " " || c == "\t" || c == "\r" { _ = advance() } else if c == "#" {
        while let d = peek(), d != "\n" { _ = advance() }
      } else if c == "\\", peek(1) == "\n" {  // explicit line continuation
        _ = advance(); _ = advance()
      } else { break }
    }
    let l = line, col = column
    guard let c = peek() else { return Token(kind: .eof, span: span(l, col, 1)) }
    if c == "\n" { _ = advance(); return Token(kind: .newline, span: span(l, col, 1)) }
    if c == ";" { _ = advance(); return Token(kind: .semicolon, span: span(l, col, 1)) }
    if c.isNumber && c.isASCII || (c == "." && (peek(1)?.isASCII ?? false) && (peek(1)?.isNumber ?? false)) {
      return try number(l, col)
    }
    if c == "f", peek(1) == "\"" {
      _ = advance()
      return try fstring(l, col)
    }
    if c == "\"" { return Token(kind: .string(try stringBody(l, col)), span: span(l, col, column - col)) }
    if c.isLetter || c == "_" {
      var s = ""
      while let d = peek(), d.isLetter || d.isNumber || d == "_" { s.append(advance()) }
      let kind: TokenKind = rslKeywords.contains(s) ? .keyword(s) : .identifier(s)
      return Token(kind: kind, span: span(l, col, s.count))
    }
    for sym in Lexer.symbols where matches(sym) {
      for _ in 0..<sym.count { _ = advance() }
      return Token(kind: .symbol(sym), span: span(l, col, sym.count))
    }
    throw ScriptError(.syntax("unexpected character '\(c)'"), at: span(l, col, 1))
  }

  /// Longest first, so `**` wins over `*` and `|>` over `|`.
  private static let symbols = [
    "|>", "**", "==", "!=", "<=", ">=", "..", "+=", "-=", "*=", "/=",
    "+", "-", "*", "/", "%", "@", "<", ">", "=", "(", ")", "[", "]", "{", "}", ",", ":", ".",
  ]

  private func matches(_ sym: String) -> Bool {
    var k = 0
    for ch in sym {
      guard peek(k) == ch else { return false }
      k += 1
    }
    return true
  }

  private mutating func number(_ l: Int, _ col: Int) throws(ScriptError) -> Token {
    var s = ""
    while let d = peek(), d.isASCII, d.isNumber { s.append(advance()) }
    // A '.' followed by a digit is a decimal point; `0..3` is a range.
    if peek() == ".", let d = peek(1), d.isASCII, d.isNumber {
      s.append(advance())
      while let d = peek(), d.isASCII, d.isNumber { s.append(advance()) }
    }
    if let e = peek(), e == "e" || e == "E" {
      var k = 1
      if peek(1) == "+" || peek(1) == "-" { k = 2 }
      if let d = peek(k), d.isASCII, d.isNumber {
        for _ in 0..<k { s.append(advance()) }
        while let d = peek(), d.isASCII, d.isNumber { s.append(advance()) }
      }
    }
    if let d = peek(), d.isLetter || d == "_" {
      throw ScriptError(.syntax("malformed number '\(s)\(d)'"), at: span(l, col, s.count + 1))
    }
    guard let v = Double(s) else {
      throw ScriptError(.syntax("malformed number '\(s)'"), at: span(l, col, s.count))
    }
    return Token(kind: .number(v), span: span(l, col, s.count))
  }

  /// Reads `"..."` (the opening quote is next) and returns the unescaped text.
  private mutating func stringBody(_ l: Int, _ col: Int) throws(ScriptError) -> String {
    _ = advance()
    var s = ""
    while true {
      guard let c = peek(), c != "\n" else {
        throw ScriptError(.syntax("unterminated string"), at: span(l, col, 1))
      }
      _ = advance()
      if c == "\"" { return s }
      if c == "\\" {
        guard let e = peek(), e != "\n" else { throw ScriptError(.syntax("unterminated string"), at: span(l, col, 1)) }
        let el = line, ec = column
        _ = advance()
        switch e {
        case "n": s.append("\n")
        case "t": s.append("\t")
        case "\"": s.append("\"")
        case "\\": s.append("\\")
        default: throw ScriptError(.syntax("unknown escape '\\\(e)' in string"), at: span(el, ec - 1, 2))
        }
      } else {
        s.append(c)
      }
    }
  }

  /// Reads the body of `f"..."` (the `f` is consumed, the quote is next). Inside `{}` the
  /// expression may contain string literals with their own quotes.
  private mutating func fstring(_ l: Int, _ col: Int) throws(ScriptError) -> Token {
    _ = advance()
    var parts: [FStringPart] = []
    var text = ""
    func unterminated(_ p: inout Lexer) -> ScriptError {
      ScriptError(.syntax("unterminated string"), at: p.span(l, col, 1))
    }
    while true {
      guard let c = peek(), c != "\n" else { throw unterminated(&self) }
      let cl = line, cc = column
      _ = advance()
      switch c {
      case "\"":
        if !text.isEmpty { parts.append(.text(text)) }
        return Token(kind: .fstring(parts), span: span(l, col, column - col))
      case "\\":
        guard let e = peek(), e != "\n" else { throw unterminated(&self) }
        _ = advance()
        switch e {
        case "n": text.append("\n")
        case "t": text.append("\t")
        case "\"": text.append("\"")
        case "\\": text.append("\\")
        default: throw ScriptError(.syntax("unknown escape '\\\(e)' in string"), at: span(cl, cc, 2))
        }
      case "{" where peek() == "{": _ = advance(); text.append("{")
      case "}" where peek() == "}": _ = advance(); text.append("}")
      case "}": throw ScriptError(.syntax("single '}' in f-string (write '}}')"), at: span(cl, cc, 1))
      case "{":
        if !text.isEmpty { parts.append(.text(text)); text = "" }
        let el = line, ec = column
        var expr = "", spec: String? = nil
        var depth = 0, inString = false
        while true {
          guard let d = peek(), d != "\n" else {
            throw ScriptError(.syntax("unterminated '{' in f-string"), at: span(cl, cc, 1))
          }
          _ = advance()
          if inString {
            if d == "\\", let e = peek(), e != "\n" { expr.append(d); expr.append(advance()); continue }
            if d == "\"" { inString = false }
          } else if d == "\"", spec == nil {
            inString = true
          } else if "([{".contains(d) {
            depth += 1
          } else if ")]".contains(d) || (d == "}" && depth > 0) {
            depth -= 1
          } else if d == "}" {
            break
          } else if d == ":", depth == 0, spec == nil {
            spec = ""
            continue
          }
          if spec != nil { spec?.append(d) } else { expr.append(d) }
        }
        if expr.allSatisfy({ $0 == " " }) {
          throw ScriptError(.syntax("empty expression in f-string"), at: span(cl, cc, 1))
        }
        parts.append(.expression(source: expr, line: el, column: ec, spec: spec))
      default:
        text.append(c)
      }
    }
  }
}
