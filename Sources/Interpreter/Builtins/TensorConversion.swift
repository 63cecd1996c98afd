import Runtime

/// Conversions between language values and tensors (`tensor(nested_list)`, `to_list`).
public enum TensorConversion {
  /// A tensor from a number, a range, or a rectangular nested list of numbers/bools.
  public static func tensor(from v: Value) throws(ScriptError) -> Tensor {
    var shape: [Int] = []
    var probe = v
    while true {
      switch probe {
      case .list(let l):
        guard shape.count < 16 else {
          throw ScriptError(.badArgument(function: "tensor", position: 1, message: "nested more than 16 levels deep"))
        }
        shape.append(l.items.count)
        guard let first = l.items.first else { break }
        probe = first
        continue
      case .range(let a, let b): shape.append(max(0, b - a))
      default: break
      }
      break
    }
    let total = shape.reduce(1, { $0.multipliedReportingOverflow(by: $1).partialValue })
    do { try Shape.validate(shape, op: "tensor") } catch {
      throw ScriptError(.runtime(error as? RuntimeError ?? .invalidArgument(op: "tensor", message: "bad shape")))
    }
    var values: [Float] = []
    values.reserveCapacity(total)
    try fill(v, shape: shape, dim: 0, into: &values)
    return Tensor(shape: shape, values: values)
  }

  private static func fill(_ v: Value, shape: [Int], dim: Int, into out: inout [Float]) throws(ScriptError) {
    switch v {
    case .number(let x) where dim == shape.count: out.append(Float(x))
    case .bool(let b) where dim == shape.count: out.append(b ? 1 : 0)
    case .tensor(let t) where dim == shape.count && t.count == 1: out.append(t.storage.base[0])
    case .list(let l) where dim < shape.count && l.items.count == shape[dim]:
      for item in l.items { try fill(item, shape: shape, dim: dim + 1, into: &out) }
    case .range(let a, let b) where dim == shape.count - 1 && max(0, b - a) == shape[dim]:
      for i in a..<max(a, b) { out.append(Float(i)) }
    case .list, .range:
      throw ScriptError(.badArgument(function: "tensor", position: 1, message: "ragged nested list: every row must have the same length"))
    default:
      throw ScriptError(.badArgument(function: "tensor", position: 1, message: "numbers expected in the nested list, got \(v.typeName)"))
    }
  }

  /// Nested lists of numbers with the tensor's shape (a scalar gives a number).
  public static func list(from t: Tensor) -> Value {
    let vals = t.values
    if t.rank == 0 { return .number(Double(vals.first ?? 0)) }
    var pos = 0
    func build(_ dim: Int) -> Value {
      if dim == t.rank - 1 {
        var items: [Value] = []
        items.reserveCapacity(t.shape[dim])
        for _ in 0..<t.shape[dim] { items.append(.number(Double(vals[pos]))); pos += 1 }
        return .list(items)
      }
      return .list((0..<t.shape[dim]).map { _ in build(dim + 1) })
    }
    return build(0)
  }
}
