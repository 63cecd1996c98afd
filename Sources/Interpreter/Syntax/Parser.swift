import Runtime

/// Recursive-descent parser from tokens to statements.
///
/// Expressions use precedence climbing over `Parser.infixRules`, the one table of binary
/// operator precedences. Newlines end statements except inside brackets (`ignoringNewlines`)
/// or after a binary operator or `,`; a function body inside brackets makes them significant
/// again.
struct Parser {
  var tokens: [Token]
  var index = 0
  /// Top of stack: whether newlines are insignificant here (inside `( [ {`).
  var ignoringNewlines: [Bool] = [false]
  var depth = 0
  let source: Int

  /// Deeper nesting than this is a syntax error (it would exhaust the native stack).
  static let maxDepth = 200

  init(tokens: [Token], source: Int) {
    self.tokens = tokens
    self.source = source
  }

  /// Parses a whole chunk of source text.
  static func parse(_ text: String, source: Int) throws(ScriptError) -> [Stmt] {
    var lexer = Lexer(text, source: source)
    var p = Parser(tokens: try lexer.tokenize(), source: source)
    let body = try p.block(until: [])
    if case .keyword(let k) = p.current.kind {
      throw ScriptError(.syntax("'\(k)' without a matching block opener"), at: p.current.span)
    }
    return body
  }

  // MARK: - Token cursor

  var current: Token {
    mutating get {
      if ignoringNewlines.last == true {
        while index < tokens.count - 1, tokens[index].kind == .newline { index += 1 }
      }
      return tokens[min(index, tokens.count - 1)]
    }
  }

  var previous: Token { tokens[max(0, min(index, tokens.count) - 1)] }

  mutating func advance() -> Token {
    let t = current
    if index < tokens.count - 1 { index += 1 }
    return t
  }

  mutating func isSymbol(_ s: String) -> Bool { current.kind == .symbol(s) }
  mutating func isKeyword(_ s: String) -> Bool { current.kind == .keyword(s) }

  mutating func skipNewlines() {
    while current.kind == .newline { _ = advance() }
  }

  /// An error at the current token; at the end of input it is marked incomplete so the
  /// REPL can ask for a continuation line.
  mutating func error(_ message: String) -> ScriptError {
    let t = current
    if t.kind == .eof { return ScriptError(.unexpectedEnd(message), at: t.span) }
    return ScriptError(.syntax(message), at: t.span)
  }

  mutating func expectSymbol(_ s: String, _ context: String) throws(ScriptError) -> Token {
    guard isSymbol(s) else { throw error("expected '\(s)' \(context), found \(current.describe)") }
    return advance()
  }

  mutating func expectKeyword(_ s: String, _ context: String) throws(ScriptError) {
    guard isKeyword(s) else { throw error("expected '\(s)' \(context), found \(current.describe)") }
    _ = advance()
  }

  mutating func identifier(_ context: String) throws(ScriptError) -> (String, SourceSpan) {
    let t = current
    guard case .identifier(let name) = t.kind else {
      if case .keyword(let k) = t.kind {
        throw error("expected \(context), found the keyword '\(k)' (keywords cannot be names)")
      }
      throw error("expected \(context), found \(t.describe)")
    }
    _ = advance()
    return (name, t.span)
  }

  mutating func nest() throws(ScriptError) {
    depth += 1
    if depth > Parser.maxDepth { throw error("code nested too deeply (more than \(Parser.maxDepth) levels)") }
  }

  // MARK: - Statements

  /// Statements up to (not including) one of the `terminators` keywords or the end of input.
  mutating func block(until terminators: Set<String>) throws(ScriptError) -> [Stmt] {
    try nest()
    defer { depth -= 1 }
    ignoringNewlines.append(false)
    defer { ignoringNewlines.removeLast() }
    var out: [Stmt] = []
    while true {
      while current.kind == .newline || current.kind == .semicolon { _ = advance() }
      let t = current
      if t.kind == .eof { return out }
      if case .keyword(let k) = t.kind, terminators.contains(k) { return out }
      if case .keyword(let k) = t.kind, ["end", "elif", "else", "catch"].contains(k) {
        if terminators.isEmpty { throw ScriptError(.syntax("'\(k)' without a matching block opener"), at: t.span) }
        let want = terminators.sorted().map { "'\($0)'" }.joined(separator: " or ")
        throw ScriptError(.syntax("expected \(want), found '\(k)'"), at: t.span)
      }
      var stmt = try statement()
      // A statement ends at a newline, ';', the end of input or a block keyword.
      switch current.kind {
      case .newline, .eof: break
      case .semicolon:
        if case .expression(let e, _) = stmt.kind { stmt.kind = .expression(e, echo: false) }
      case .keyword(let k) where ["end", "elif", "else", "catch"].contains(k): break
      default:
        throw statementEndError(after: stmt)
      }
      out.append(stmt)
    }
  }

  /// "expected end of statement", with a keyword suggestion when the statement was a
  /// single misspelt word such as `elsif` or `fucntion`.
  mutating func statementEndError(after stmt: Stmt) -> ScriptError {
    let found = current.describe
    if case .expression(let e, _) = stmt.kind, case .name(let n) = e.kind,
      let k = Suggest.closest(to: n, in: rslKeywords.sorted(), maxDistance: 2)
    {
      return ScriptError(.syntax("unexpected \(found) after '\(n)' (did you mean '\(k)'?)"), at: current.span)
    }
    return error("expected end of statement (newline or ';'), found \(found)")
  }

  mutating func statement() throws(ScriptError) -> Stmt {
    let t = current
    if case .keyword(let k) = t.kind {
      switch k {
      case "if": return try ifStatement()
      case "for": return try forStatement()
      case "while":
        _ = advance()
        let cond = try expression()
        let body = try block(until: ["end"])
        try expectKeyword("end", "to close 'while' (opened at line \(t.span.line))")
        return Stmt(kind: .whileLoop(cond, body), span: t.span)
      case "fn":
        if index + 1 < tokens.count, case .identifier = tokens[index + 1].kind {
          _ = advance()
          let (name, _) = try identifier("a function name")
          let decl = try functionRest(name: name, span: t.span)
          return Stmt(kind: .function(decl), span: t.span)
        }
      case "return":
        _ = advance()
        switch current.kind {
        case .newline, .semicolon, .eof, .keyword("end"), .keyword("else"), .keyword("elif"), .keyword("catch"):
          return Stmt(kind: .returnValue(nil), span: t.span)
        default:
          return Stmt(kind: .returnValue(try expression()), span: t.span)
        }
      case "break": _ = advance(); return Stmt(kind: .breakLoop, span: t.span)
      case "continue": _ = advance(); return Stmt(kind: .continueLoop, span: t.span)
      case "try": return try tryStatement()
      default: break
      }
    }
    let first = try expression()
    if isSymbol(",") {
      var targets = [try target(from: first)]
      while isSymbol(",") {
        _ = advance()
        skipNewlines()
        targets.append(try target(from: try expression()))
      }
      let eq = try expectSymbol("=", "after the names of a destructuring assignment")
      skipNewlines()  // as after '=' in a plain assignment
      return Stmt(kind: .destructure(targets, try tupleOrExpression()), span: eq.span)
    }
    if isSymbol("=") {
      let eq = advance()
      skipNewlines()
      return Stmt(kind: .assign(try target(from: first), try tupleOrExpression()), span: eq.span)
    }
    for (sym, op) in [("+=", BinaryOperator.add), ("-=", .subtract), ("*=", .multiply), ("/=", .divide)] where isSymbol(sym) {
      let tok = advance()
      skipNewlines()
      return Stmt(kind: .compoundAssign(try target(from: first), op, try expression()), span: tok.span)
    }
    return Stmt(kind: .expression(first, echo: true), span: first.span)
  }

  /// `e` or `e1, e2, ...` (a list), the right side of an assignment.
  mutating func tupleOrExpression() throws(ScriptError) -> Expr {
    let first = try expression()
    guard isSymbol(",") else { return first }
    var items = [first]
    while isSymbol(",") {
      _ = advance()
      skipNewlines()
      items.append(try expression())
    }
    return Expr(kind: .list(items), span: first.span)
  }

  func target(from e: Expr) throws(ScriptError) -> AssignTarget {
    switch e.kind {
    case .name(let n): return .name(n, e.span)
    case .member(let base, let n): return .member(base, n, e.span)
    case .index(let base, let items): return .index(base, items, e.span)
    default: throw ScriptError(.syntax("cannot assign to this expression"), at: e.span)
    }
  }

  mutating func ifStatement() throws(ScriptError) -> Stmt {
    let start = advance()
    var branches: [(Expr, [Stmt])] = []
    var elseBody: [Stmt]? = nil
    let cond = try expression()
    branches.append((cond, try block(until: ["elif", "else", "end"])))
    while isKeyword("elif") {
      _ = advance()
      let c = try expression()
      branches.append((c, try block(until: ["elif", "else", "end"])))
    }
    if isKeyword("else") {
      _ = advance()
      elseBody = try block(until: ["end"])
    }
    try expectKeyword("end", "to close 'if' (opened at line \(start.span.line))")
    return Stmt(kind: .ifChain(branches, elseBody: elseBody), span: start.span)
  }

  mutating func forStatement() throws(ScriptError) -> Stmt {
    let start = advance()
    var names = [try identifier("a loop variable name after 'for'")]
    while isSymbol(",") {
      _ = advance()
      names.append(try identifier("a loop variable name"))
    }
    try expectKeyword("in", "after the loop variable")
    let seq = try expression()
    let body = try block(until: ["end"])
    try expectKeyword("end", "to close 'for' (opened at line \(start.span.line))")
    return Stmt(kind: .forIn(names, seq, body), span: start.span)
  }

  mutating func tryStatement() throws(ScriptError) -> Stmt {
    let start = advance()
    let body = try block(until: ["catch", "end"])
    var name: String? = nil
    var nameSpan = start.span
    var handler: [Stmt] = []
    if isKeyword("catch") {
      let c = advance()
      nameSpan = c.span
      if case .identifier(let n) = current.kind {
        name = n
        nameSpan = advance().span
      }
      handler = try block(until: ["end"])
    }
    try expectKeyword("end", "to close 'try' (opened at line \(start.span.line))")
    return Stmt(kind: .tryCatch(body, name, nameSpan, handler), span: start.span)
  }

  /// Parameters and body after `fn name` (or `fn` for a literal); consumes the `end`.
  mutating func functionRest(name: String, span: SourceSpan) throws(ScriptError) -> FunctionDecl {
    _ = try expectSymbol("(", "to start the parameter list")
    ignoringNewlines.append(true)
    var params: [FunctionDecl.Parameter] = []
    var seen: Set<String> = []
    while !isSymbol(")") {
      let (p, pspan) = try identifier("a parameter name")
      guard seen.insert(p).inserted else { throw ScriptError(.syntax("duplicate parameter '\(p)'"), at: pspan) }
      var def: Expr? = nil
      if isSymbol(":") {
        _ = advance()
        def = try expression()
      } else if params.last?.defaultValue != nil {
        throw ScriptError(.syntax("parameter '\(p)' without a default follows one with a default"), at: pspan)
      }
      params.append(.init(name: p, defaultValue: def, span: pspan))
      if !isSymbol(",") { break }
      _ = advance()
    }
    _ = try expectSymbol(")", "to close the parameter list")
    ignoringNewlines.removeLast()
    let body = try block(until: ["end"])
    try expectKeyword("end", "to close 'fn' (opened at line \(span.line))")
    return FunctionDecl(name: name, parameters: params, body: body, span: span)
  }
}
