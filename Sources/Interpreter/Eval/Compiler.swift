import Runtime

typealias Eval = (Frame) throws -> Value
typealias Exec = (Frame) throws -> Flow
typealias Store = (Frame, Value) throws -> Void

// Closures kept in arrays or optionals are wrapped in these structs: a bare closure stored
// in a generic container is kept at maximal abstraction, and every call through it pays a
// reabstraction thunk.
struct EvalBox { let run: Eval }
struct ExecBox { let run: Exec }
struct StoreBox { let run: Store }

/// A range loop's body that writes one local, run by the loop itself (`Compiler.rangeLoop`).
protocol SlotUpdate {
  var slot: Int { get }
  /// The local's new value.
  func next(_ f: Frame) throws -> Value
}

/// A range loop's body that is one assignment to a local.
struct LocalAssignment: SlotUpdate {
  let slot: Int
  let value: Eval

  @inline(__always) func next(_ f: Frame) throws -> Value { try value(f) }
}

/// A range loop's body `s = s + e` for a local `s` (an accumulator).
struct Accumulation: SlotUpdate {
  let slot: Int
  /// The evaluator of `s` (used when the slot holds no number: unset, a string, a tensor).
  let left: Eval
  let addend: Eval
  /// `+` for anything but two numbers, with its errors located at the `+`.
  let general: (Value, Value) throws -> Value

  /// The new value of `s`: the operands in order, numbers added in place, as `s + e` would.
  @inline(__always) func next(_ f: Frame) throws -> Value {
    let a = try Compiler.operand(f, slot, left), b = try addend(f)
    if case .number(let x) = a, case .number(let y) = b { return .number(x + y) }
    return try general(a, b)
  }
}

struct Branch {
  let condition: Eval
  let body: Exec
  let span: SourceSpan
}

/// The locals of one function being compiled: parameters first, then every name the body
/// assigns (assignment inside a function makes a local).
final class Scope {
  let parent: Scope?
  let name: String
  var slots: [String: Int] = [:]
  let parameterCount: Int

  init(parent: Scope?, name: String, names: [String], parameterCount: Int) {
    self.parent = parent
    self.name = name
    self.parameterCount = parameterCount
    for n in names where slots[n] == nil { slots[n] = slots.count }
  }

  var allNames: [String] { Array(slots.keys) + (parent?.allNames ?? []) }
}

/// Turns the syntax tree into Swift closures (one per node) with variables resolved to
/// frame slots or global slots ahead of time, so evaluation does no name lookups.
struct Compiler {
  let context: CallContext
  var scope: Scope?
  var loopDepth = 0

  init(context: CallContext, scope: Scope?) {
    self.context = context
    self.scope = scope
  }

  // MARK: - Blocks and statements

  mutating func block(_ stmts: [Stmt], tail: Bool) throws(ScriptError) -> Exec {
    var execs: [ExecBox] = []
    for (i, s) in stmts.enumerated() {
      execs.append(ExecBox(run: try statement(s, tail: tail && i == stmts.count - 1)))
    }
    switch execs.count {
    case 0: return { _ in .normal }
    case 1: return execs[0].run
    case 2:
      let a = execs[0].run, b = execs[1].run
      return { f in
        let r = try a(f)
        return r == .normal ? try b(f) : r
      }
    default:
      return { f in
        for e in execs {
          let r = try e.run(f)
          if r != .normal { return r }
        }
        return .normal
      }
    }
  }

  mutating func statement(_ s: Stmt, tail: Bool) throws(ScriptError) -> Exec {
    let span = s.span
    switch s.kind {
    case .expression(let e, _):
      let ev = try expression(e)
      if tail { return { f in f.result = try ev(f); return .normal } }
      return { f in _ = try ev(f); return .normal }
    case .assign(let target, let e):
      let ev = try expression(e)
      if let i = localSlot(target) { return { f in f.set(i, try ev(f)); return .normal } }
      let store = try assigner(target)
      return { f in try store(f, try ev(f)); return .normal }
    case .compoundAssign(let target, let op, let e):
      return try compoundAssign(target, op, e, span: span)
    case .destructure(let targets, let e):
      let ev = try expression(e)
      var stores: [StoreBox] = []
      for t in targets { stores.append(StoreBox(run: try assigner(t))) }
      return { f in
        let v = try ev(f)
        let items: [Value]
        switch v {
        case .list(let l): items = l.items
        case .range, .tensor: items = try Indexing.elements(v)
        default: throw ScriptError(.other("cannot unpack a \(v.typeName) (a list is expected)"), at: span)
        }
        guard items.count == stores.count else {
          throw ScriptError(.destructure(expected: stores.count, got: items.count), at: span)
        }
        for (store, item) in zip(stores, items) { try store.run(f, item) }
        return .normal
      }
    case .ifChain(let branches, let elseBody):
      var conds: [Branch] = []
      for (c, body) in branches {
        conds.append(Branch(condition: try expression(c), body: try block(body, tail: tail), span: c.span))
      }
      let otherwise = try elseBody.map { (b) throws(ScriptError) -> ExecBox in ExecBox(run: try block(b, tail: tail)) }
      if conds.count == 1 {
        let c = conds[0].condition, body = conds[0].body, cspan = conds[0].span
        if let other = otherwise?.run {
          return { f in try Compiler.truth(try c(f), cspan) ? try body(f) : try other(f) }
        }
        return { f in try Compiler.truth(try c(f), cspan) ? try body(f) : .normal }
      }
      return { f in
        for b in conds where try Compiler.truth(try b.condition(f), b.span) { return try b.body(f) }
        return try otherwise?.run(f) ?? .normal
      }
    case .whileLoop(let c, let body):
      let cond = try expression(c)
      loopDepth += 1
      let run = try block(body, tail: false)
      loopDepth -= 1
      let ctx = context, cspan = c.span
      return { f in
        while try Compiler.truth(try cond(f), cspan) {
          do { try ctx.tick() } catch { throw ScriptError.wrap(error, at: span) }
          switch try run(f) {
          case .breakLoop: return .normal
          case .returned: return .returned
          default: continue
          }
        }
        return .normal
      }
    case .forIn(let names, let seqExpr, let body):
      return try forLoop(names, seqExpr, body, span: span)
    case .function(let decl):
      let make = try function(decl)
      let store = try assigner(.name(decl.name, decl.span))
      return { f in try store(f, try make(f)); return .normal }
    case .returnValue(let e):
      guard scope != nil else { throw ScriptError(.syntax("'return' outside a function"), at: span) }
      guard let e else { return { f in f.result = .null; return .returned } }
      let ev = try expression(e)
      return { f in f.result = try ev(f); return .returned }
    case .breakLoop:
      guard loopDepth > 0 else { throw ScriptError(.syntax("'break' outside a loop"), at: span) }
      return { _ in .breakLoop }
    case .continueLoop:
      guard loopDepth > 0 else { throw ScriptError(.syntax("'continue' outside a loop"), at: span) }
      return { _ in .continueLoop }
    case .tryCatch(let body, let name, let nameSpan, let handlerBody):
      let run = try block(body, tail: tail)
      let handler = try block(handlerBody, tail: tail)
      let store = try name.map { (n) throws(ScriptError) in try assigner(.name(n, nameSpan)) }
      let ctx = context
      return { f in
        do {
          return try run(f)
        } catch {
          let e = ScriptError.wrap(error, at: span)
          guard e.kind.isCatchable else { throw e }
          if let store { try store(f, ctx.errorValue(e)) }
          return try handler(f)
        }
      }
    }
  }

  static func truth(_ v: Value, _ span: SourceSpan) throws -> Bool {
    if case .bool(let b) = v { return b }
    throw ScriptError(.other("condition must be a bool, got \(v.typeName)"), at: span)
  }

  /// `for i in a..b` whose body only writes `update.slot`: no `break`, `continue` or
  /// `return` can occur, so no flow is checked. Generic so that each kind of update is
  /// specialised and called directly.
  @inline(__always)
  static func rangeLoop<U: SlotUpdate>(_ update: U, counter: Int, _ a: Int, _ b: Int, _ f: Frame,
                                       _ ctx: CallContext, _ span: SourceSpan) throws -> Flow {
    var i = a
    while i < b {
      do { try ctx.tick() } catch { throw ScriptError.wrap(error, at: span) }
      f.set(counter, .number(Double(i)))
      f.set(update.slot, try update.next(f))
      i += 1
    }
    return .normal
  }

  mutating func forLoop(_ names: [(String, SourceSpan)], _ seqExpr: Expr, _ body: [Stmt], span: SourceSpan) throws(ScriptError) -> Exec {
    let seq = try expression(seqExpr)
    var stores: [StoreBox] = []
    for (n, s) in names { stores.append(StoreBox(run: try assigner(.name(n, s)))) }
    // A counter that is a local of the function is written straight into its slot.
    let counterSlot = names.count == 1 ? localSlot(.name(names[0].0, names[0].1)) : nil
    // A body that is one assignment to a local: a range loop with a local counter runs it
    // itself, one evaluator call per iteration fewer; an accumulator (`s = s + g(i) % 7`)
    // also adds in place, a second call fewer. `run` is what the block would compile (the
    // store, then `.normal`), for the other kinds of sequence.
    loopDepth += 1
    let run: Exec
    let assignment: LocalAssignment?, accumulation: Accumulation?
    if counterSlot != nil, body.count == 1, case .assign(let target, let e) = body[0].kind, let slot = localSlot(target) {
      let value: Eval
      if case .binary(.add, let l, let r) = e.kind, frameSlot(l) == slot {
        let a = Accumulation(slot: slot, left: try expression(l), addend: try expression(r),
                             general: operatorFallback(.add, e.span))
        accumulation = a
        assignment = nil
        value = { f in try a.next(f) }
      } else {
        value = try expression(e)
        assignment = LocalAssignment(slot: slot, value: value)
        accumulation = nil
      }
      run = { f in f.set(slot, try value(f)); return .normal }
    } else {
      run = try block(body, tail: false)
      assignment = nil
      accumulation = nil
    }
    loopDepth -= 1
    let ctx = context
    let single: Store? = stores.count == 1 ? stores[0].run : nil
    return { f in
      let v = try seq(f)
      if case .range(let a, let b) = v, let i0 = counterSlot {
        if let acc = accumulation { return try Compiler.rangeLoop(acc, counter: i0, a, b, f, ctx, span) }
        if let one = assignment { return try Compiler.rangeLoop(one, counter: i0, a, b, f, ctx, span) }
        var i = a
        while i < b {
          do { try ctx.tick() } catch { throw ScriptError.wrap(error, at: span) }
          f.set(i0, .number(Double(i)))
          switch try run(f) {
          case .breakLoop: return .normal
          case .returned: return .returned
          default: i += 1
          }
        }
        return .normal
      }
      if case .range(let a, let b) = v, let store = single {
        var i = a
        while i < b {
          do { try ctx.tick() } catch { throw ScriptError.wrap(error, at: span) }
          try store(f, .number(Double(i)))
          switch try run(f) {
          case .breakLoop: return .normal
          case .returned: return .returned
          default: i += 1
          }
        }
        return .normal
      }
      // One iteration; nil means "keep going", otherwise the loop's result.
      func visit(_ item: Value) throws -> Flow? {
        do { try ctx.tick() } catch { throw ScriptError.wrap(error, at: span) }
        if let store = single {
          try store(f, item)
        } else {
          guard case .list(let l) = item, l.items.count == stores.count else {
            throw ScriptError(.other("cannot unpack a \(item.typeName) into \(stores.count) loop variables"), at: span)
          }
          for (s, x) in zip(stores, l.items) { try s.run(f, x) }
        }
        switch try run(f) {
        case .breakLoop: return .normal
        case .returned: return .returned
        default: return nil
        }
      }
      // Tensor rows are sliced one at a time rather than all up front.
      if case .tensor(let t) = v, t.rank > 0 {
        for i in 0..<t.shape[0] {
          let row: Value
          do { row = try TensorOperators.index(t, [.value(.number(Double(i)))]) } catch { throw ScriptError.wrap(error, at: seqExpr.span) }
          if let r = try visit(row) { return r }
        }
        return .normal
      }
      // Objects with a length and an index (datasets) are visited lazily, one sample at a time.
      if case .object(let o) = v {
        let eager: [Value]?
        do { eager = try o.elements() } catch { throw ScriptError.wrap(error, at: seqExpr.span) }
        if eager == nil, let n = o.length {
          for i in 0..<n {
            let item: Value?
            do { item = try o.index(.number(Double(i))) } catch { throw ScriptError.wrap(error, at: seqExpr.span) }
            guard let item else { break }
            if let r = try visit(item) { return r }
          }
          return .normal
        }
      }
      let items: [Value]
      do { items = try Indexing.elements(v) } catch { throw ScriptError.wrap(error, at: seqExpr.span) }
      for item in items {
        if let r = try visit(item) { return r }
      }
      return .normal
    }
  }

  mutating func compoundAssign(_ target: AssignTarget, _ op: BinaryOperator, _ e: Expr, span: SourceSpan) throws(ScriptError) -> Exec {
    let rhs = try expression(e)
    let context = self.context
    switch target {
    case .name(let n, let nspan):
      let read = try nameReader(n, nspan)
      let store = try assigner(target)
      return { f in
        let a = try read(f), b = try rhs(f)
        if case .number(let x) = a, case .number(let y) = b, op == .add { try store(f, .number(x + y)); return .normal }
        do { try store(f, try Operators.binary(op, a, b, collectionLimit: context.limits.maxCollection)) } catch { throw ScriptError.wrap(error, at: span) }
        return .normal
      }
    case .member(let baseExpr, let name, let mspan):
      let base = try expression(baseExpr)
      return { f in
        let b = try base(f)
        do {
          let old = try Indexing.member(b, name)
          try Indexing.setMember(b, name, try Operators.binary(op, old, try rhs(f), collectionLimit: context.limits.maxCollection))
        } catch { throw ScriptError.wrap(error, at: mspan) }
        return .normal
      }
    case .index(let baseExpr, let items, let ispan):
      let base = try expression(baseExpr)
      let index = try indexItems(items)
      return { f in
        let b = try base(f)
        let idx = try index(f)
        do {
          let old = try Indexing.get(b, idx)
          try Indexing.set(b, idx, try Operators.binary(op, old, try rhs(f), collectionLimit: context.limits.maxCollection))
        } catch { throw ScriptError.wrap(error, at: ispan) }
        return .normal
      }
    }
  }

  /// The frame slot of a plain name that is a local of the function being compiled.
  func localSlot(_ target: AssignTarget) -> Int? {
    guard case .name(let n, _) = target, let sc = scope else { return nil }
    return sc.slots[n]
  }

  /// A store into a name, field or element.
  mutating func assigner(_ target: AssignTarget) throws(ScriptError) -> Store {
    switch target {
    case .name(let n, _):
      if let sc = scope, let i = sc.slots[n] { return { f, v in f.slots[i] = v } }
      let g = context.globals.slot(n)
      let globals = context.globals
      return { _, v in globals.values[g] = v }
    case .member(let baseExpr, let name, let span):
      let base = try expression(baseExpr)
      return { f, v in
        let b = try base(f)
        do { try Indexing.setMember(b, name, v) } catch { throw ScriptError.wrap(error, at: span) }
      }
    case .index(let baseExpr, let items, let span):
      let base = try expression(baseExpr)
      let index = try indexItems(items)
      return { f, v in
        let b = try base(f)
        let idx = try index(f)
        do { try Indexing.set(b, idx, v) } catch { throw ScriptError.wrap(error, at: span) }
      }
    }
  }

  // MARK: - Functions

  /// Compiles a function literal; the result makes a closure over the current frame.
  mutating func function(_ decl: FunctionDecl) throws(ScriptError) -> Eval {
    let params = decl.parameters.map(\.name)
    var names = params
    Compiler.collectAssigned(decl.body, into: &names)
    let sc = Scope(parent: scope, name: decl.name, names: names, parameterCount: params.count)
    var inner = Compiler(context: context, scope: sc)
    var defaults: [EvalBox?] = []
    for p in decl.parameters {
      defaults.append(try p.defaultValue.map { (e) throws(ScriptError) in EvalBox(run: try inner.expression(e)) })
    }
    let body: Eval
    if decl.body.count == 1, case .expression(let e, _) = decl.body[0].kind {
      body = try inner.expression(e)
    } else {
      let run = try inner.block(decl.body, tail: true)
      body = { f in _ = try run(f); return f.result }
    }
    let code = FunctionCode(name: decl.name, parameters: params, span: decl.span, defaults: defaults,
                            slotCount: sc.slots.count, body: body)
    if scope == nil { return { _ in .closure(Closure(code: code, environment: nil)) } }
    return { f in .closure(Closure(code: code, environment: f)) }
  }

  /// Names a function body assigns (not looking into nested function bodies).
  static func collectAssigned(_ stmts: [Stmt], into names: inout [String]) {
    func add(_ t: AssignTarget) { if case .name(let n, _) = t { names.append(n) } }
    for s in stmts {
      switch s.kind {
      case .assign(let t, _), .compoundAssign(let t, _, _): add(t)
      case .destructure(let ts, _): ts.forEach(add)
      case .ifChain(let bs, let e):
        for (_, b) in bs { collectAssigned(b, into: &names) }
        if let e { collectAssigned(e, into: &names) }
      case .forIn(let vs, _, let b):
        names += vs.map(\.0)
        collectAssigned(b, into: &names)
      case .whileLoop(_, let b): collectAssigned(b, into: &names)
      case .function(let d): names.append(d.name)
      case .tryCatch(let b, let n, _, let h):
        collectAssigned(b, into: &names)
        if let n { names.append(n) }
        collectAssigned(h, into: &names)
      default: break
      }
    }
  }
}

extension CallContext {
  /// The record a `catch e` block sees: `{message, line, column, file}`.
  func errorValue(_ e: ScriptError) -> Value {
    let s = e.span
    let file = s.flatMap { Int($0.source) < sources.count ? sources[Int($0.source)].name : nil } ?? ""
    return .record([
      ("message", .string(e.kind.message)),
      ("line", .number(Double(s?.line ?? 0))),
      ("column", .number(Double(s?.column ?? 0))),
      ("file", .string(file)),
    ])
  }
}
