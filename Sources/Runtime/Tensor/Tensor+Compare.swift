// Elementwise comparisons (0/1 floats, no gradient) and `where` selection.
extension Tensor {
  private func compare(_ other: Tensor, _ code: CompareOp.Code, _ name: String) throws -> Tensor {
    let shape = try Shape.broadcast(self.shape, other.shape, op: name)
    let out = try Tensor.empty(shape, op: name)
    broadcastBinary(CompareOp(code: code), storage.base, self.shape, other.storage.base, other.shape, out.storage.base, shape)
    return out
  }

  /// 1 where `self == other` (broadcasting), else 0. Not differentiable.
  public func eq(_ other: Tensor) throws -> Tensor { try compare(other, .eq, "eq") }
  /// 1 where `self != other`, else 0.
  public func ne(_ other: Tensor) throws -> Tensor { try compare(other, .ne, "ne") }
  /// 1 where `self < other`, else 0.
  public func lt(_ other: Tensor) throws -> Tensor { try compare(other, .lt, "lt") }
  /// 1 where `self <= other`, else 0.
  public func le(_ other: Tensor) throws -> Tensor { try compare(other, .le, "le") }
  /// 1 where `self > other`, else 0.
  public func gt(_ other: Tensor) throws -> Tensor { try compare(other, .gt, "gt") }
  /// 1 where `self >= other`, else 0.
  public func ge(_ other: Tensor) throws -> Tensor { try compare(other, .ge, "ge") }
  /// 1 where `self == s`, else 0.
  public func eq(_ s: Float) throws -> Tensor { try compare(Tensor(scalar: s), .eq, "eq") }
  /// 1 where `self != s`, else 0.
  public func ne(_ s: Float) throws -> Tensor { try compare(Tensor(scalar: s), .ne, "ne") }
  /// 1 where `self < s`, else 0.
  public func lt(_ s: Float) throws -> Tensor { try compare(Tensor(scalar: s), .lt, "lt") }
  /// 1 where `self <= s`, else 0.
  public func le(_ s: Float) throws -> Tensor { try compare(Tensor(scalar: s), .le, "le") }
  /// 1 where `self > s`, else 0 (e.g. a confidence mask `probs.max(axis: 1).gt(0.95)`).
  public func gt(_ s: Float) throws -> Tensor { try compare(Tensor(scalar: s), .gt, "gt") }
  /// 1 where `self >= s`, else 0.
  public func ge(_ s: Float) throws -> Tensor { try compare(Tensor(scalar: s), .ge, "ge") }

  /// Picks `a` where `cond` is nonzero and `b` elsewhere; all three broadcast together.
  ///
  /// Backward: `a` gets the gradient where cond holds, `b` elsewhere (each summed to its shape).
  public static func `where`(_ cond: Tensor, _ a: Tensor, _ b: Tensor) throws -> Tensor {
    let ab = try Shape.broadcast(a.shape, b.shape, op: "where")
    let shape: [Int]
    do { shape = try Shape.broadcast(cond.shape, ab, op: "where") } catch {
      throw RuntimeError.shapeMismatch(op: "where", shapes: [cond.shape, a.shape, b.shape], detail: "cannot be broadcast together")
    }
    let out = try Tensor.allocate(Shape.count(shape), op: "where")
    select(cond, a, b, out.base, shape)
    return Tensor.result(shape: shape, storage: out, inputs: [cond, a, b]) { g in
      let zero = Tensor(scalar: 0)
      var ga: Tensor? = nil, gb: Tensor? = nil
      if a.requiresGrad {
        let t = try Tensor.empty(shape, op: "where")
        select(cond, g, zero, t.storage.base, shape)
        ga = try t.sumTo(a.shape)
      }
      if b.requiresGrad {
        let t = try Tensor.empty(shape, op: "where")
        select(cond, zero, g, t.storage.base, shape)
        gb = try t.sumTo(b.shape)
      }
      return [nil, ga, gb]
    }
  }

  /// out = cond ? a : b over the broadcast `shape` (already validated).
  private static func select(_ cond: Tensor, _ a: Tensor, _ b: Tensor, _ out: UnsafeMutablePointer<Float>, _ shape: [Int]) {
    let layout = BroadcastLayout(out: shape, inputs: [cond.shape, a.shape, b.shape])
    let last = layout.dims.count - 1
    let sc = layout.strides[0][last], sa = layout.strides[1][last], sb = layout.strides[2][last]
    let pc = cond.storage.base, pa = a.storage.base, pb = b.storage.base
    layout.forEachRow { o, offs, m in
      let c = pc + offs[0], x = pa + offs[1], y = pb + offs[2], po = out + o
      for i in 0..<m { po[i] = c[i * sc] != 0 ? x[i * sa] : y[i * sb] }
    }
  }
}
