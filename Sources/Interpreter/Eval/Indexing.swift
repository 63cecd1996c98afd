import Runtime

/// One evaluated item of `x[...]`: a value, or a slice with integer bounds.
enum IndexArgument {
  case value(Value)
  case slice(Int?, Int?, Int?)
}

/// Indexing, slicing, member access and iteration over values.
enum Indexing {
  static func get(_ base: Value, _ items: [IndexArgument]) throws -> Value {
    if case .tensor(let t) = base { return try TensorOperators.index(t, items) }
    guard items.count == 1 else {
      throw ScriptError(.other("a \(base.typeName) takes one index, got \(items.count)"))
    }
    switch (base, items[0]) {
    case (.list(let l), .value(let i)): return l.items[try position(i, count: l.items.count)]
    case (.list(let l), .slice(let a, let b, let s)): return .list(try slice(l.items, a, b, s))
    case (.string(let str), .value(let i)):
      let cs = Array(str)
      return .string(String(cs[try position(i, count: cs.count)]))
    case (.string(let str), .slice(let a, let b, let s)): return .string(String(try slice(Array(str), a, b, s)))
    case (.range(let lo, let hi), .value(let i)): return .number(Double(lo + (try position(i, count: max(0, hi - lo)))))
    case (.range(let lo, let hi), .slice(let a, let b, let s)):
      return .list(try slice(try rangeItems(lo, hi), a, b, s))
    case (.record(let r), .value(let k)):
      guard case .string(let key) = k else { throw ScriptError(.other("record keys are strings, got \(k.typeName)")) }
      guard let v = r.get(key) else {
        throw ScriptError(.noField(type: "record", name: key, suggestion: Suggest.closest(to: key, in: r.keys)))
      }
      return v
    case (.object(let o), .value(let k)):
      if let v = try o.index(k) { return v }
    default: break
    }
    if case .slice = items[0] { throw ScriptError(.other("a \(base.typeName) cannot be sliced")) }
    throw ScriptError(.notIndexable(type: base.typeName))
  }

  static func set(_ base: Value, _ items: [IndexArgument], _ value: Value) throws {
    switch base {
    case .tensor(let t): try TensorOperators.setIndex(t, items, value); return
    case .list(let l):
      guard items.count == 1, case .value(let i) = items[0] else {
        throw ScriptError(.other("list assignment takes one integer index"))
      }
      l.items[try position(i, count: l.items.count)] = value
      return
    case .record(let r):
      guard items.count == 1, case .value(.string(let key)) = items[0] else {
        throw ScriptError(.other("record fields are set with one string key"))
      }
      r.set(key, value)
      return
    default:
      throw ScriptError(.other("cannot assign into a \(base.typeName)"))
    }
  }

  /// A checked 0-based position; negative counts from the end.
  static func position(_ v: Value, count: Int) throws -> Int {
    guard case .number(let x) = v else { throw ScriptError(.other("index must be a number, got \(v.typeName)")) }
    guard let i = Arguments.integer(x) else { throw ScriptError(.notInteger(what: "an index", value: x)) }
    let p = i < 0 ? i + count : i
    guard p >= 0, p < count else { throw ScriptError(.indexOutOfRange(index: i, count: count)) }
    return p
  }

  /// Python slice semantics: bounds clamp, negative bounds count from the end.
  static func slice<T>(_ xs: [T], _ a: Int?, _ b: Int?, _ s: Int?) throws -> [T] {
    let n = xs.count
    let step = s ?? 1
    guard step != 0 else { throw ScriptError(.other("slice step cannot be zero")) }
    func clamp(_ v: Int?, _ dflt: Int, lo: Int, hi: Int) -> Int {
      guard var x = v else { return dflt }
      if x < 0 { x += n }
      return min(max(x, lo), hi)
    }
    var out: [T] = []
    if step > 0 {
      var i = clamp(a, 0, lo: 0, hi: n)
      let end = clamp(b, n, lo: 0, hi: n)
      while i < end { out.append(xs[i]); i += step }
    } else {
      var i = clamp(a, n - 1, lo: -1, hi: n - 1)
      let end = clamp(b, -1, lo: -1, hi: n - 1)
      while i > end { out.append(xs[i]); i += step }
    }
    return out
  }

  static func member(_ base: Value, _ name: String) throws -> Value {
    switch base {
    case .record(let r):
      if let v = r.get(name) { return v }
      throw ScriptError(.noField(type: "record", name: name, suggestion: Suggest.closest(to: name, in: r.keys)))
    case .object(let o):
      if let v = try o.member(name) { return v }
      throw ScriptError(.noField(type: o.typeName, name: name, suggestion: Suggest.closest(to: name, in: o.memberNames)))
    case .tensor(let t):
      switch name {
      case "shape": return .list(t.shape.map { .number(Double($0)) })
      case "grad": return t.grad.map { .tensor($0) } ?? .null
      default:
        throw ScriptError(.noField(type: "tensor", name: name, suggestion: Suggest.closest(to: name, in: ["shape", "grad"])))
      }
    default:
      throw ScriptError(.noField(type: base.typeName, name: name, suggestion: nil))
    }
  }

  static func setMember(_ base: Value, _ name: String, _ value: Value) throws {
    guard case .record(let r) = base else { throw ScriptError(.other("cannot set field '\(name)' of a \(base.typeName)")) }
    r.set(name, value)
  }

  /// The values `for x in v` visits (ranges are handled by the loop without this).
  static func elements(_ v: Value) throws -> [Value] {
    switch v {
    case .list(let l): return l.items
    case .range(let a, let b): return try rangeItems(a, b)
    case .record(let r): return r.keys.map { .string($0) }
    case .string(let s): return s.map { .string(String($0)) }
    case .tensor(let t): return try TensorOperators.rows(t)
    case .object(let o):
      if let xs = try o.elements() { return xs }
      if let n = o.length { return try (0..<n).map { try o.index(.number(Double($0))) ?? .null } }
    default: break
    }
    throw ScriptError(.other("cannot iterate over a \(v.typeName)"))
  }

  /// The largest range turned into a list (ranges themselves are never materialised by
  /// `for`; slicing, unpacking or passing one as a list builds it).
  static let maxRangeItems = 10_000_000

  /// The numbers of `a..b` as values.
  static func rangeItems(_ a: Int, _ b: Int) throws -> [Value] {
    guard a < b else { return [] }
    guard b - a <= maxRangeItems else {
      throw ScriptError(.other("the range \(a)..\(b) is too large to turn into a list (more than \(maxRangeItems) items)"))
    }
    return (a..<b).map { .number(Double($0)) }
  }

  /// `len(x)`.
  static func length(_ v: Value) -> Int? {
    switch v {
    case .list(let l): return l.items.count
    case .string(let s): return s.count
    case .record(let r): return r.keys.count
    case .range(let a, let b): return max(0, b - a)
    case .tensor(let t): return t.rank == 0 ? nil : t.shape[0]
    case .object(let o): return o.length
    default: return nil
    }
  }
}
