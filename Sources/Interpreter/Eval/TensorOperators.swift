import Runtime

/// Operators and indexing on tensors, mapped onto the Runtime's tensor ops. Mixed
/// number-tensor operands broadcast the number.
enum TensorOperators {
  static func binary(_ op: BinaryOperator, _ a: Value, _ b: Value) throws -> Value {
    switch (a, b) {
    case (.tensor(let x), .tensor(let y)): return try tensors(op, x, y)
    case (.tensor(let x), .number(let s)): return try tensorNumber(op, x, Float(s))
    case (.number(let s), .tensor(let y)): return try numberTensor(op, Float(s), y)
    default:
      if op == .equal { return .bool(false) }
      if op == .notEqual { return .bool(true) }
      throw ScriptError(.badOperands(op: op.rawValue, left: a.typeName, right: b.typeName))
    }
  }

  static func tensors(_ op: BinaryOperator, _ x: Tensor, _ y: Tensor) throws -> Value {
    switch op {
    case .add: return .tensor(try x.add(y))
    case .subtract: return .tensor(try x.sub(y))
    case .multiply: return .tensor(try x.mul(y))
    case .divide: return .tensor(try x.div(y))
    case .modulo: return .tensor(try x.mod(y))
    case .power: return .tensor(try x.pow(y))
    case .matmul: return .tensor(try x.matmul(y))
    case .equal: return .tensor(try x.eq(y))
    case .notEqual: return .tensor(try x.ne(y))
    case .less: return .tensor(try x.lt(y))
    case .lessEqual: return .tensor(try x.le(y))
    case .greater: return .tensor(try x.gt(y))
    case .greaterEqual: return .tensor(try x.ge(y))
    }
  }

  static func tensorNumber(_ op: BinaryOperator, _ x: Tensor, _ s: Float) throws -> Value {
    switch op {
    case .add: return .tensor(try x.add(s))
    case .subtract: return .tensor(try x.sub(s))
    case .multiply: return .tensor(try x.mul(s))
    case .divide: return .tensor(try x.div(s))
    case .modulo: return .tensor(try x.mod(s))
    case .power: return .tensor(try x.pow(s))
    case .matmul: throw ScriptError(.badOperands(op: "@", left: "tensor", right: "number"))
    case .equal: return .tensor(try x.eq(s))
    case .notEqual: return .tensor(try x.ne(s))
    case .less: return .tensor(try x.lt(s))
    case .lessEqual: return .tensor(try x.le(s))
    case .greater: return .tensor(try x.gt(s))
    case .greaterEqual: return .tensor(try x.ge(s))
    }
  }

  static func numberTensor(_ op: BinaryOperator, _ s: Float, _ y: Tensor) throws -> Value {
    switch op {
    case .add: return .tensor(try y.add(s))
    case .subtract: return .tensor(try y.rsub(s))
    case .multiply: return .tensor(try y.mul(s))
    case .divide: return .tensor(try y.rdiv(s))
    case .modulo: return .tensor(try Tensor(scalar: s).mod(y))
    case .power: return .tensor(try y.rpow(s))
    case .matmul: throw ScriptError(.badOperands(op: "@", left: "number", right: "tensor"))
    case .equal: return .tensor(try y.eq(s))
    case .notEqual: return .tensor(try y.ne(s))
    case .less: return .tensor(try y.gt(s))
    case .lessEqual: return .tensor(try y.ge(s))
    case .greater: return .tensor(try y.lt(s))
    case .greaterEqual: return .tensor(try y.le(s))
    }
  }

  static func negate(_ t: Tensor) throws -> Tensor { try t.neg() }

  /// Converts evaluated index items: integers, slices, lists/ranges/tensors of integers.
  static func indices(_ items: [IndexArgument]) throws -> [TensorIndex] {
    try items.map { item in
      switch item {
      case .slice(nil, nil, nil): return .all
      case .slice(let a, let b, let s): return .slice(start: a, end: b, step: s)
      case .value(.number(let x)):
        guard let i = Arguments.integer(x) else { throw ScriptError(.notInteger(what: "a tensor index", value: x)) }
        return .index(i)
      case .value(.range(let a, let b)):
        guard b - a <= Indexing.maxRangeItems else { throw ScriptError(.other("index range \(a)..\(b) is too large")) }
        return .list(a < b ? Array(a..<b) : [])
      case .value(let v):
        var out: [Int] = []
        let items: [Value]
        switch v {
        case .list(let l): items = l.items
        case .tensor(let t) where t.rank <= 1: items = t.values.map { .number(Double($0)) }
        default: throw ScriptError(.other("a tensor index must be an integer, slice, range or list of integers, got \(v.typeName)"))
        }
        for e in items {
          guard case .number(let x) = e, let i = Arguments.integer(x) else {
            throw ScriptError(.other("tensor index lists must hold integers, got \(e.typeName == "number" ? Value.formatNumber(e.asNumber ?? 0) : e.typeName)"))
          }
          out.append(i)
        }
        return .list(out)
      }
    }
  }

  /// `t[...]`: a full integer index of every dimension gives a number, otherwise a tensor.
  static func index(_ t: Tensor, _ items: [IndexArgument]) throws -> Value {
    let idx = try indices(items)
    let r = try t.index(idx)
    if r.rank == 0, !r.requiresGrad { return .number(Double(r.storage.base[0])) }
    return .tensor(r)
  }

  static func setIndex(_ t: Tensor, _ items: [IndexArgument], _ value: Value) throws {
    let idx = try indices(items)
    switch value {
    case .number(let x): try t.setIndex(idx, value: Float(x))
    case .tensor(let v): try t.setIndex(idx, value: v)
    case .list: try t.setIndex(idx, value: try TensorConversion.tensor(from: value))
    default: throw ScriptError(.other("cannot store a \(value.typeName) into a tensor"))
    }
  }

  /// `for x in t` visits the rows (numbers for a 1-D tensor).
  static func rows(_ t: Tensor) throws -> [Value] {
    guard t.rank > 0 else { throw ScriptError(.other("cannot iterate over a 0-dimensional tensor")) }
    return try (0..<t.shape[0]).map { try index(t, [.value(.number(Double($0)))]) }
  }
}
