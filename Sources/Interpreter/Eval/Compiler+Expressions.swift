import Runtime

extension Compiler {
  mutating func expression(_ e: Expr) throws(ScriptError) -> Eval {
    let span = e.span
    switch e.kind {
    case .number(let v): let c = Value.number(v); return { _ in c }
    case .string(let s): let c = Value.string(s); return { _ in c }
    case .bool(let b): let c = Value.bool(b); return { _ in c }
    case .nilLiteral: return { _ in .null }
    case .name(let n): return try nameReader(n, span)
    case .fstring(let pieces): return try fstring(pieces)
    case .list(let items):
      var evs: [EvalBox] = []
      for i in items { evs.append(EvalBox(run: try expression(i))) }
      return { f in
        var out: [Value] = []
        out.reserveCapacity(evs.count)
        for ev in evs { out.append(try ev.run(f)) }
        return .list(ListRef(out))
      }
    case .record(let fields):
      var names: [String] = []
      var evs: [EvalBox] = []
      for (k, v) in fields {
        names.append(k)
        evs.append(EvalBox(run: try expression(v)))
      }
      return { f in
        var out: [(String, Value)] = []
        for (k, ev) in zip(names, evs) { out.append((k, try ev.run(f))) }
        return .record(RecordRef(out))
      }
    case .unary(let op, let operand):
      let ev = try expression(operand)
      return { f in
        let v = try ev(f)
        if op == .not, case .bool(let b) = v { return .bool(!b) }
        do { return try Operators.unary(op, v) } catch { throw ScriptError.wrap(error, at: span) }
      }
    case .binary(let op, let l, let r):
      if case .number(let c) = r.kind, let ev = binaryConstant(op, try expression(l), frameSlot(l), c, span) { return ev }
      return try binary(op, try expression(l), frameSlot(l), try expression(r), frameSlot(r), span)
    case .and(let l, let r):
      let a = try expression(l), b = try expression(r)
      let lspan = l.span, rspan = r.span
      return { f in
        guard try Compiler.logical(try a(f), "and", lspan) else { return .bool(false) }
        return .bool(try Compiler.logical(try b(f), "and", rspan))
      }
    case .or(let l, let r):
      let a = try expression(l), b = try expression(r)
      let lspan = l.span, rspan = r.span
      return { f in
        if try Compiler.logical(try a(f), "or", lspan) { return .bool(true) }
        return .bool(try Compiler.logical(try b(f), "or", rspan))
      }
    case .range(let l, let r):
      let a = try expression(l), b = try expression(r)
      return { f in
        let x = try a(f), y = try b(f)
        guard case .number(let lo) = x, case .number(let hi) = y else {
          throw ScriptError(.badOperands(op: "..", left: x.typeName, right: y.typeName), at: span)
        }
        guard let i = Arguments.integer(lo) else { throw ScriptError(.notInteger(what: "a range bound", value: lo), at: span) }
        guard let j = Arguments.integer(hi) else { throw ScriptError(.notInteger(what: "a range bound", value: hi), at: span) }
        return .range(i, j)
      }
    case .call(let calleeExpr, let args): return try call(calleeExpr, args, span)
    case .index(let baseExpr, let items):
      let base = try expression(baseExpr)
      let index = try indexItems(items)
      return { f in
        let b = try base(f)
        let idx = try index(f)
        do { return try Indexing.get(b, idx) } catch { throw ScriptError.wrap(error, at: span) }
      }
    case .member(let baseExpr, let name):
      let base = try expression(baseExpr)
      return { f in
        let b = try base(f)
        if case .record(let r) = b, let v = r.get(name) { return v }
        do { return try Indexing.member(b, name) } catch { throw ScriptError.wrap(error, at: span) }
      }
    case .function(let decl): return try function(decl)
    }
  }

  static func logical(_ v: Value, _ op: String, _ span: SourceSpan) throws -> Bool {
    if case .bool(let b) = v { return b }
    throw ScriptError(.badOperand(op: op, type: v.typeName), at: span)
  }

  /// Reads a name: the innermost function scope that has it as a local, falling outward
  /// while that local is unassigned, then the global (or builtin) of that name.
  mutating func nameReader(_ name: String, _ span: SourceSpan) throws(ScriptError) -> Eval {
    var chain: [(depth: Int, slot: Int)] = []
    var s = scope, depth = 0, alwaysSet = false
    while let sc = s {
      if let i = sc.slots[name] {
        chain.append((depth, i))
        if i < sc.parameterCount { alwaysSet = true; break }
      }
      s = sc.parent
      depth += 1
    }
    let ctx = context, globals = context.globals
    let visible = scope?.allNames ?? []
    let undefined = { () -> ScriptError in
      let candidates = visible + globals.definedNames + globals.registry.all.map(\.name)
      return ScriptError(.undefinedName(name, suggestion: Suggest.closest(to: name, in: candidates)), at: span)
    }
    let g = globals.slot(name)
    // A parameter is unset only while an earlier parameter's default runs (`fn f(a: b, b: 1)`);
    // then, like any local read before its assignment, it falls back to the global.
    let unsetParameter = { () throws -> Value in
      if let v = globals.values[g] { return v }
      throw undefined()
    }
    if alwaysSet, chain.count == 1, chain[0].depth == 0 {
      let i = chain[0].slot
      return { f in
        if let v = f.slots[i] { return v }
        return try unsetParameter()
      }
    }
    if alwaysSet, chain.count == 1, chain[0].depth == 1 {
      let i = chain[0].slot
      return { f in
        if let v = f.parent?.slots[i] { return v }
        return try unsetParameter()
      }
    }
    if chain.isEmpty {
      return { _ in
        if let v = globals.values[g] { return v }
        throw undefined()
      }
    }
    if chain.count == 1, chain[0].depth == 0, !alwaysSet {
      let i = chain[0].slot
      return { f in
        if let v = f.slots[i] { return v }
        if let v = globals.values[g] { return v }
        throw undefined()
      }
    }
    _ = ctx
    return { f in
      for (d, i) in chain {
        var frame: Frame? = f
        for _ in 0..<d { frame = frame?.parent }
        if let v = frame?.slots[i] { return v }
      }
      if let v = globals.values[g] { return v }
      throw undefined()
    }
  }

  mutating func indexItems(_ items: [IndexItem]) throws(ScriptError) -> (Frame) throws -> [IndexArgument] {
    var parts: [IndexPart] = []
    for item in items {
      switch item {
      case .single(let e):
        let ev = try expression(e)
        parts.append(IndexPart { f in .value(try ev(f)) })
      case .slice(let a, let b, let s):
        let ea = try a.map { (x) throws(ScriptError) in (try expression(x), x.span) }
        let eb = try b.map { (x) throws(ScriptError) in (try expression(x), x.span) }
        let es = try s.map { (x) throws(ScriptError) in (try expression(x), x.span) }
        parts.append(IndexPart { f in
          func bound(_ p: (Eval, SourceSpan)?) throws -> Int? {
            guard let (ev, sp) = p else { return nil }
            let v = try ev(f)
            if case .null = v { return nil }
            guard case .number(let x) = v else {
              throw ScriptError(.other("slice bounds must be integers, got \(v.typeName)"), at: sp)
            }
            guard let i = Arguments.integer(x) else { throw ScriptError(.notInteger(what: "a slice bound", value: x), at: sp) }
            return i
          }
          return .slice(try bound(ea), try bound(eb), try bound(es))
        })
      }
    }
    if parts.count == 1 {
      let p = parts[0].run
      return { f in [try p(f)] }
    }
    return { f in try parts.map { try $0.run(f) } }
  }

  struct IndexPart { let run: (Frame) throws -> IndexArgument }

  mutating func fstring(_ pieces: [FStringPiece]) throws(ScriptError) -> Eval {
    var parts: [(Frame) throws -> String] = []
    for p in pieces {
      switch p {
      case .text(let s): parts.append { _ in s }
      case .value(let e, let spec):
        let ev = try expression(e)
        let span = e.span
        if let spec {
          parts.append { f in
            do { return try spec.format(try ev(f)) } catch { throw ScriptError.wrap(error, at: span) }
          }
        } else {
          parts.append { f in try ev(f).text }
        }
      }
    }
    return { f in
      var s = ""
      for p in parts { s += try p(f) }
      return .string(s)
    }
  }

  /// The frame slot of an operand that is a local of the function being compiled: a number
  /// there is read in place (`Compiler.operand`) instead of through the name's evaluator.
  func frameSlot(_ e: Expr) -> Int? {
    guard case .name(let n) = e.kind, let sc = scope else { return nil }
    return sc.slots[n]
  }

  /// The global slot of a name no enclosing function has as a local (a top-level function
  /// or builtin called from inside a function), or nil.
  func globalSlot(_ e: Expr) -> Int? {
    guard case .name(let n) = e.kind else { return nil }
    var s = scope
    while let sc = s {
      if sc.slots[n] != nil { return nil }
      s = sc.parent
    }
    return context.globals.slot(n)
  }

  /// An operand's value: a number straight from local slot `slot` when it holds one
  /// (what the name's evaluator would return), otherwise the evaluator's result.
  @inline(__always) static func operand(_ f: Frame, _ slot: Int?, _ ev: Eval) throws -> Value {
    if let i = slot, case .number(let x)? = f.slots[i] { return .number(x) }
    return try ev(f)
  }

  /// `a op b` for anything but two numbers (strings, lists, tensors, type errors), with its
  /// errors located at `span`. One closure, so an operator's evaluator captures two words
  /// for its slow path rather than the operator, the context and the span.
  func operatorFallback(_ op: BinaryOperator, _ span: SourceSpan) -> (Value, Value) throws -> Value {
    let context = self.context
    return { a, b in
      do { return try Operators.binary(op, a, b, collectionLimit: context.limits.maxCollection) } catch { throw ScriptError.wrap(error, at: span) }
    }
  }

  func binary(_ op: BinaryOperator, _ l: @escaping Eval, _ ls: Int?, _ r: @escaping Eval, _ rs: Int?, _ span: SourceSpan) throws(ScriptError) -> Eval {
    let slow = operatorFallback(op, span)
    // Number-number fast paths inline the arithmetic; everything else goes through Operators.
    switch op {
    case .add:
      return { f in
        let a = try Compiler.operand(f, ls, l), b = try Compiler.operand(f, rs, r)
        if case .number(let x) = a, case .number(let y) = b { return .number(x + y) }
        return try slow(a, b)
      }
    case .subtract:
      return { f in
        let a = try Compiler.operand(f, ls, l), b = try Compiler.operand(f, rs, r)
        if case .number(let x) = a, case .number(let y) = b { return .number(x - y) }
        return try slow(a, b)
      }
    case .multiply:
      return { f in
        let a = try Compiler.operand(f, ls, l), b = try Compiler.operand(f, rs, r)
        if case .number(let x) = a, case .number(let y) = b { return .number(x * y) }
        return try slow(a, b)
      }
    case .divide:
      return { f in
        let a = try Compiler.operand(f, ls, l), b = try Compiler.operand(f, rs, r)
        if case .number(let x) = a, case .number(let y) = b, y != 0 { return .number(x / y) }
        return try slow(a, b)
      }
    case .modulo:
      return { f in
        let a = try Compiler.operand(f, ls, l), b = try Compiler.operand(f, rs, r)
        if case .number(let x) = a, case .number(let y) = b, y != 0 { return .number(Operators.remainder(x, y)) }
        return try slow(a, b)
      }
    case .less:
      return { f in
        let a = try Compiler.operand(f, ls, l), b = try Compiler.operand(f, rs, r)
        if case .number(let x) = a, case .number(let y) = b { return .bool(x < y) }
        return try slow(a, b)
      }
    case .lessEqual:
      return { f in
        let a = try Compiler.operand(f, ls, l), b = try Compiler.operand(f, rs, r)
        if case .number(let x) = a, case .number(let y) = b { return .bool(x <= y) }
        return try slow(a, b)
      }
    case .greater:
      return { f in
        let a = try Compiler.operand(f, ls, l), b = try Compiler.operand(f, rs, r)
        if case .number(let x) = a, case .number(let y) = b { return .bool(x > y) }
        return try slow(a, b)
      }
    case .greaterEqual:
      return { f in
        let a = try Compiler.operand(f, ls, l), b = try Compiler.operand(f, rs, r)
        if case .number(let x) = a, case .number(let y) = b { return .bool(x >= y) }
        return try slow(a, b)
      }
    case .equal:
      return { f in
        let a = try Compiler.operand(f, ls, l), b = try Compiler.operand(f, rs, r)
        if case .number(let x) = a, case .number(let y) = b { return .bool(x == y) }
        return try slow(a, b)
      }
    case .notEqual:
      return { f in
        let a = try Compiler.operand(f, ls, l), b = try Compiler.operand(f, rs, r)
        if case .number(let x) = a, case .number(let y) = b { return .bool(x != y) }
        return try slow(a, b)
      }
    default:
      return { f in try slow(try l(f), try r(f)) }
    }
  }

  /// `l op c` for a number literal `c` (`x * 2`, `i % 7`, `n < 10`): the number case
  /// computes in place, without evaluating the literal; nil for operators without a fast path.
  func binaryConstant(_ op: BinaryOperator, _ l: @escaping Eval, _ ls: Int?, _ c: Double, _ span: SourceSpan) -> Eval? {
    let general = operatorFallback(op, span)
    let slow = { (a: Value) throws -> Value in try general(a, .number(c)) }
    switch op {
    case .add: return { f in let a = try Compiler.operand(f, ls, l); if case .number(let x) = a { return .number(x + c) }; return try slow(a) }
    case .subtract: return { f in let a = try Compiler.operand(f, ls, l); if case .number(let x) = a { return .number(x - c) }; return try slow(a) }
    case .multiply: return { f in let a = try Compiler.operand(f, ls, l); if case .number(let x) = a { return .number(x * c) }; return try slow(a) }
    case .divide where c != 0:
      return { f in let a = try Compiler.operand(f, ls, l); if case .number(let x) = a { return .number(x / c) }; return try slow(a) }
    case .modulo where c != 0:
      let whole = Operators.wholeDivisor(c)
      return { f in let a = try Compiler.operand(f, ls, l); if case .number(let x) = a { return .number(Operators.remainder(x, c, whole: whole)) }; return try slow(a) }
    case .less: return { f in let a = try Compiler.operand(f, ls, l); if case .number(let x) = a { return .bool(x < c) }; return try slow(a) }
    case .lessEqual: return { f in let a = try Compiler.operand(f, ls, l); if case .number(let x) = a { return .bool(x <= c) }; return try slow(a) }
    case .greater: return { f in let a = try Compiler.operand(f, ls, l); if case .number(let x) = a { return .bool(x > c) }; return try slow(a) }
    case .greaterEqual: return { f in let a = try Compiler.operand(f, ls, l); if case .number(let x) = a { return .bool(x >= c) }; return try slow(a) }
    case .equal: return { f in let a = try Compiler.operand(f, ls, l); if case .number(let x) = a { return .bool(x == c) }; return try slow(a) }
    case .notEqual: return { f in let a = try Compiler.operand(f, ls, l); if case .number(let x) = a { return .bool(x != c) }; return try slow(a) }
    default: return nil
    }
  }

  mutating func call(_ calleeExpr: Expr, _ args: [Argument], _ span: SourceSpan) throws(ScriptError) -> Eval {
    let callee = try expression(calleeExpr)
    var positional: [EvalBox] = []
    var labels: [String] = []
    var keywords: [EvalBox] = []
    for a in args {
      if let label = a.label {
        labels.append(label)
        keywords.append(EvalBox(run: try expression(a.value)))
      } else {
        positional.append(EvalBox(run: try expression(a.value)))
      }
    }
    let ctx = context
    // A variable named like a builtin (`train = fashion_mnist("train")`) hides it: a failed
    // call says so, rather than only what the variable's value cannot do.
    var hidden: String? = nil
    if case .name(let n) = calleeExpr.kind, ctx.registry[n] != nil { hidden = n }
    func located(_ error: any Error, _ c: Value) -> ScriptError {
      if let hidden, let e = error as? ScriptError, e.isCallMisuse {
        if case .builtin(let b) = c, b.name == hidden {} else if case .closure = c {} else {
          return ScriptError(.other("'\(hidden)' is a variable here (a \(c.typeName)) and hides the builtin \(hidden)(); "
                                    + "give the variable another name, or :reset the session, to call the builtin"), at: span)
        }
      }
      return ScriptError.wrap(error, at: span)
    }
    if keywords.isEmpty, positional.count == 1 {
      // One argument (the commonest call in a loop): evaluated before the frame is taken.
      let argument = positional[0].run
      let argumentSlot = args.first.flatMap { frameSlot($0.value) }
      // A callee that is a global (`g(i)` for a top-level `fn g`) is read in place; when
      // unset, its evaluator runs and reports the undefined name.
      let globalSlot = self.globalSlot(calleeExpr), globals = ctx.globals
      return { f in
        // A function in its global slot is matched in place: only the closure is copied
        // out (one retain, which keeps the function alive for the whole call), not the
        // whole value and then the closure again.
        if let g = globalSlot, case .closure(let cl)? = globals.values[g], cl.code.parameterCount >= 1 {
          if let i = argumentSlot, case .number(let x)? = f.slots[i] {
            do { return try ctx.call(cl, number: x) } catch { throw ScriptError.wrap(error, at: span) }
          }
          let v = try argument(f)
          do { return try ctx.call(cl, argument: v) } catch { throw ScriptError.wrap(error, at: span) }
        }
        let c: Value
        if let g = globalSlot, let v = globals.values[g] { c = v } else { c = try callee(f) }
        if case .closure(let cl) = c, cl.code.parameterCount >= 1 {
          let v = try Compiler.operand(f, argumentSlot, argument)
          do { return try ctx.call(cl, argument: v) } catch { throw ScriptError.wrap(error, at: span) }
        }
        let v = try argument(f)
        do { return try ctx.invoke(c, [v], [], at: span) } catch { throw located(error, c) }
      }
    }
    if keywords.isEmpty {
      let n = positional.count
      return { f in
        let c = try callee(f)
        if case .closure(let cl) = c, n <= cl.code.parameterCount {
          // Fast path: arguments go straight into the new frame's slots.
          let code = cl.code
          let frame = code.makeFrame(parent: cl.environment)
          for k in 0..<n { frame.slots[k] = try positional[k].run(f) }
          let result: Value
          do {
            if n < code.parameterCount { try ctx.fillDefaults(code, frame) }
            result = try ctx.run(code, frame)
          } catch { throw ScriptError.wrap(error, at: span) }
          code.recycle(frame)
          return result
        }
        var values: [Value] = []
        values.reserveCapacity(n)
        for p in positional { values.append(try p.run(f)) }
        do { return try ctx.invoke(c, values, [], at: span) } catch { throw located(error, c) }
      }
    }
    return { f in
      let c = try callee(f)
      var values: [Value] = []
      for p in positional { values.append(try p.run(f)) }
      var kws: [(String, Value)] = []
      for (k, ev) in zip(labels, keywords) { kws.append((k, try ev.run(f))) }
      do { return try ctx.invoke(c, values, kws, at: span) } catch { throw located(error, c) }
    }
  }
}
