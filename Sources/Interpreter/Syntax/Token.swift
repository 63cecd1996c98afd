/// What a token is. Operators and punctuation are kept as their spelling (`.symbol("**")`);
/// the parser's precedence table is keyed by that spelling.
enum TokenKind: Equatable {
  case number(Double)
  case string(String)
  case fstring([FStringPart])
  case identifier(String)
  case keyword(String)
  case symbol(String)
  /// A statement end written as a line break.
  case newline
  /// A statement end written as `;` (suppresses the echo of a final expression).
  case semicolon
  case eof
}

/// A piece of an f-string: literal text or an embedded `{expr:spec}`.
enum FStringPart: Equatable {
  case text(String)
  /// The expression's source, where it starts, and the optional format spec after `:`.
  case expression(source: String, line: Int, column: Int, spec: String?)
}

/// A lexed token and its place in the source.
struct Token {
  var kind: TokenKind
  var span: SourceSpan

  /// How a token is named in syntax errors: `'end'`, `number 3`, `end of input`.
  var describe: String {
    switch kind {
    case .number(let v): return "number \(Value.formatNumber(v))"
    case .string: return "string"
    case .fstring: return "f-string"
    case .identifier(let s): return "'\(s)'"
    case .keyword(let s): return "'\(s)'"
    case .symbol(let s): return "'\(s)'"
    case .newline: return "end of line"
    case .semicolon: return "';'"
    case .eof: return "end of input"
    }
  }
}

/// The reserved words of RSL.
let rslKeywords: Set<String> = [
  "fn", "end", "if", "elif", "else", "for", "in", "while", "return", "break", "continue",
  "and", "or", "not", "true", "false", "nil", "try", "catch",
]
