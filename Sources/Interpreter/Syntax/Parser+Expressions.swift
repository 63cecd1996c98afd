/// Binding strength, lowest first (docs/language.md, "Operators").
enum Precedence: Int, Comparable {
  case pipe = 1, or, and, not, comparison, range, additive, multiplicative, unary, power, postfix
  static func < (a: Precedence, b: Precedence) -> Bool { a.rawValue < b.rawValue }
}

/// How an infix token combines its operands.
enum InfixRule {
  case binary(BinaryOperator, Precedence)
  case and, or, pipe, range

  var precedence: Precedence {
    switch self {
    case .binary(_, let p): return p
    case .and: return .and
    case .or: return .or
    case .pipe: return .pipe
    case .range: return .range
    }
  }
}

extension Parser {
  /// The precedence table: every infix operator and how tightly it binds.
  static let infixRules: [String: InfixRule] = [
    "|>": .pipe, "or": .or, "and": .and,
    "==": .binary(.equal, .comparison), "!=": .binary(.notEqual, .comparison),
    "<": .binary(.less, .comparison), "<=": .binary(.lessEqual, .comparison),
    ">": .binary(.greater, .comparison), ">=": .binary(.greaterEqual, .comparison),
    "..": .range,
    "+": .binary(.add, .additive), "-": .binary(.subtract, .additive),
    "*": .binary(.multiply, .multiplicative), "/": .binary(.divide, .multiplicative),
    "%": .binary(.modulo, .multiplicative), "@": .binary(.matmul, .multiplicative),
    "**": .binary(.power, .power),
  ]

  mutating func infixRule() -> InfixRule? {
    switch current.kind {
    case .symbol(let s): return Parser.infixRules[s]
    case .keyword(let k) where k == "and" || k == "or": return Parser.infixRules[k]
    default: return nil
    }
  }

  mutating func expression(_ minimum: Precedence = .pipe) throws(ScriptError) -> Expr {
    try nest()
    defer { depth -= 1 }
    var left = try prefix()
    // Each operator in a chain deepens the tree (and the compiler's and evaluator's
    // recursion), so it counts against the same nesting budget as brackets.
    var chain = 0
    defer { depth -= chain }
    while let rule = infixRule(), rule.precedence >= minimum {
      try nest()
      chain += 1
      let op = advance()
      skipNewlines()  // a line ending with a binary operator continues
      switch rule {
      case .and: left = Expr(kind: .and(left, try expression(.not)), span: op.span)
      case .or: left = Expr(kind: .or(left, try expression(.and)), span: op.span)
      case .pipe: left = pipe(left, into: try expression(.or), at: op.span)
      case .range:
        let right = try expression(.additive)
        if case .range = infixRule() { throw error("ranges cannot be chained") }
        left = Expr(kind: .range(left, right), span: op.span)
      case .binary(let bop, let p):
        let right: Expr
        if bop == .power {
          right = try expression(.unary)  // right-associative, and `2 ** -1` is allowed
        } else {
          right = try expression(Precedence(rawValue: p.rawValue + 1) ?? .postfix)
        }
        if p == .comparison, case .binary(_, .comparison)? = infixRule() {
          throw error("comparisons cannot be chained; write 'a < b and b < c'")
        }
        left = Expr(kind: .binary(bop, left, right), span: op.span)
      }
    }
    return left
  }

  /// `x |> f(a, k: v)` is `f(x, a, k: v)`; `x |> f` is `f(x)`.
  func pipe(_ value: Expr, into target: Expr, at span: SourceSpan) -> Expr {
    let arg = Argument(label: nil, value: value, span: value.span)
    if case .call(let callee, let args) = target.kind {
      return Expr(kind: .call(callee, [arg] + args), span: target.span)
    }
    return Expr(kind: .call(target, [arg]), span: target.span)
  }

  mutating func prefix() throws(ScriptError) -> Expr {
    let t = current
    if t.kind == .symbol("-") {
      _ = advance()
      let operand = try expression(.unary)
      if case .number(let v) = operand.kind { return Expr(kind: .number(-v), span: t.span) }
      return Expr(kind: .unary(.negate, operand), span: t.span)
    }
    if t.kind == .keyword("not") {
      _ = advance()
      return Expr(kind: .unary(.not, try expression(.not)), span: t.span)
    }
    return try postfix(try primary())
  }

  mutating func postfix(_ base: Expr) throws(ScriptError) -> Expr {
    var e = base
    while true {
      // A call or index must start on the same line as its callee (outside brackets),
      // so a parenthesised expression on the next line is a new statement.
      let t = current
      if t.kind == .symbol("(") {
        _ = advance()
        let args = try arguments()
        let span: SourceSpan
        switch e.kind {
        case .name, .member: span = e.span
        default: span = t.span
        }
        e = Expr(kind: .call(e, args), span: span)
      } else if t.kind == .symbol("[") {
        _ = advance()
        ignoringNewlines.append(true)
        var items: [IndexItem] = []
        repeat {
          if isSymbol(",") { _ = advance() }
          items.append(try indexItem())
        } while isSymbol(",")
        _ = try expectSymbol("]", "to close the index")
        ignoringNewlines.removeLast()
        e = Expr(kind: .index(e, items), span: t.span)
      } else if t.kind == .symbol(".") {
        _ = advance()
        let (name, span) = try identifier("a field name after '.'")
        e = Expr(kind: .member(e, name), span: span)
      } else {
        return e
      }
    }
  }

  mutating func indexItem() throws(ScriptError) -> IndexItem {
    func bound(_ p: inout Parser) throws(ScriptError) -> Expr? {
      p.isSymbol(":") || p.isSymbol(",") || p.isSymbol("]") ? nil : try p.expression()
    }
    let start = try bound(&self)
    guard isSymbol(":") else {
      guard let s = start else { throw error("expected an index, found \(current.describe)") }
      return .single(s)
    }
    _ = advance()
    let stop = try bound(&self)
    var step: Expr? = nil
    if isSymbol(":") {
      _ = advance()
      step = try bound(&self)
    }
    return .slice(start, stop, step)
  }

  mutating func arguments() throws(ScriptError) -> [Argument] {
    ignoringNewlines.append(true)
    var args: [Argument] = []
    var labels: Set<String> = []
    while !isSymbol(")") {
      let t = current
      if case .identifier(let name) = t.kind, index + 1 < tokens.count, nextSignificant().kind == .symbol(":") {
        _ = advance()
        _ = advance()
        guard labels.insert(name).inserted else {
          throw ScriptError(.syntax("keyword argument '\(name)' given twice"), at: t.span)
        }
        args.append(Argument(label: name, value: try expression(), span: t.span))
      } else {
        if !labels.isEmpty { throw error("positional argument after a keyword argument") }
        let v = try expression()
        args.append(Argument(label: nil, value: v, span: v.span))
      }
      if !isSymbol(",") { break }
      _ = advance()
    }
    _ = try expectSymbol(")", "to close the argument list")
    ignoringNewlines.removeLast()
    return args
  }

  /// The token after the current one, skipping newlines (we are inside brackets).
  func nextSignificant() -> Token {
    var j = index + 1
    while j < tokens.count - 1, tokens[j].kind == .newline { j += 1 }
    return tokens[min(j, tokens.count - 1)]
  }

  mutating func primary() throws(ScriptError) -> Expr {
    let t = current
    switch t.kind {
    case .number(let v): _ = advance(); return Expr(kind: .number(v), span: t.span)
    case .string(let s): _ = advance(); return Expr(kind: .string(s), span: t.span)
    case .fstring(let parts):
      _ = advance()
      return Expr(kind: .fstring(try fstringPieces(parts)), span: t.span)
    case .identifier(let n): _ = advance(); return Expr(kind: .name(n), span: t.span)
    case .keyword("true"): _ = advance(); return Expr(kind: .bool(true), span: t.span)
    case .keyword("false"): _ = advance(); return Expr(kind: .bool(false), span: t.span)
    case .keyword("nil"): _ = advance(); return Expr(kind: .nilLiteral, span: t.span)
    case .keyword("fn"):
      _ = advance()
      return Expr(kind: .function(try functionRest(name: "<fn>", span: t.span)), span: t.span)
    case .symbol("("):
      _ = advance()
      ignoringNewlines.append(true)
      let e = try expression()
      _ = try expectSymbol(")", "to close '('")
      ignoringNewlines.removeLast()
      return e
    case .symbol("["):
      _ = advance()
      ignoringNewlines.append(true)
      var items: [Expr] = []
      while !isSymbol("]") {
        items.append(try expression())
        if !isSymbol(",") { break }
        _ = advance()
      }
      _ = try expectSymbol("]", "to close the list")
      ignoringNewlines.removeLast()
      return Expr(kind: .list(items), span: t.span)
    case .symbol("{"):
      _ = advance()
      ignoringNewlines.append(true)
      var fields: [(String, Expr)] = []
      while !isSymbol("}") {
        let key: String
        let kt = current
        switch kt.kind {
        case .identifier(let n): key = n
        case .keyword(let n): key = n
        case .string(let s): key = s
        default: throw error("expected a field name in a record, found \(kt.describe)")
        }
        _ = advance()
        if fields.contains(where: { $0.0 == key }) {
          throw ScriptError(.syntax("duplicate field '\(key)' in record"), at: kt.span)
        }
        if isSymbol(":") {
          _ = advance()
          fields.append((key, try expression()))
        } else if case .identifier = kt.kind {
          fields.append((key, Expr(kind: .name(key), span: kt.span)))  // `{lr}` is `{lr: lr}`
        } else {
          throw error("expected ':' after field name '\(key)'")
        }
        if !isSymbol(",") { break }
        _ = advance()
      }
      _ = try expectSymbol("}", "to close the record")
      ignoringNewlines.removeLast()
      return Expr(kind: .record(fields), span: t.span)
    default:
      throw error("expected an expression, found \(t.describe)")
    }
  }

  mutating func fstringPieces(_ parts: [FStringPart]) throws(ScriptError) -> [FStringPiece] {
    var out: [FStringPiece] = []
    for part in parts {
      switch part {
      case .text(let s): out.append(.text(s))
      case .expression(let src, let line, let column, let specText):
        var lexer = Lexer(src, source: source, line: line, column: column)
        var sub = Parser(tokens: try lexer.tokenize(), source: source)
        sub.ignoringNewlines = [true]
        sub.depth = depth
        let e = try sub.expression()
        guard sub.current.kind == .eof else {
          throw ScriptError(.syntax("unexpected \(sub.current.describe) in f-string expression"), at: sub.current.span)
        }
        var spec: FormatSpec? = nil
        if let st = specText {
          guard let s = FormatSpec(st) else {
            throw ScriptError(
              .syntax("bad format spec ':\(st)' (use :.Nf, :.N%, :d, :>N or :<N)"),
              at: SourceSpan(source: source, line: line, column: column + src.count, length: st.count + 1))
          }
          spec = s
        }
        out.append(.value(e, spec))
      }
    }
    return out
  }
}
