import Runtime

/// Conversion between language values and JSON (sweep parameters in, sweep results out).
extension Value {
  /// The value of a JSON document: numbers, strings, bools, nil, lists and records.
  public init(json: JSONValue) {
    switch json {
    case .null: self = .null
    case .bool(let b): self = .bool(b)
    case .number(let d): self = .number(d)
    case .string(let s): self = .string(s)
    case .array(let items): self = .list(items.map { Value(json: $0) })
    case .object(let fields): self = .record(fields.map { ($0.0, Value(json: $0.1)) })
    }
  }

  /// The value as JSON, or nil for a kind JSON cannot hold (tensors, functions, objects).
  /// NaN and infinities become null (JSON has no such numbers); a range becomes its list.
  public var json: JSONValue? {
    switch self {
    case .null: return .null
    case .bool(let b): return .bool(b)
    case .number(let d): return d.isFinite ? .number(d) : .null
    case .string(let s): return .string(s)
    case .range(let a, let b): return .array((a..<max(a, b)).map { .number(Double($0)) })
    case .list(let l):
      var items: [JSONValue] = []
      for v in l.items { guard let j = v.json else { return nil }; items.append(j) }
      return .array(items)
    case .record(let r):
      var fields: [(String, JSONValue)] = []
      for (k, v) in r.fields { guard let j = v.json else { return nil }; fields.append((k, j)) }
      return .object(fields)
    case .closure, .builtin, .tensor, .object: return nil
    }
  }
}
