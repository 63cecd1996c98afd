#if canImport(Glibc)
import Glibc
#endif

/// The gradient split of `maximum`/`minimum`: 1 where `a` wins, 0.5 at ties (as PyTorch), 0 where `b` wins.
struct ExtremeMaskOp: BinaryKernelOp {
  let isMax: Bool
  @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float {
    if a == b { return 0.5 }
    return (isMax ? a > b : a < b) || a.isNaN ? 1 : 0
  }
}
struct DivScalarOp: UnaryKernelOp {
  let s: Float
  @inline(__always) func callAsFunction(_ x: Float) -> Float { x / s }
}

extension Tensor {
  /// Runs a broadcasting binary kernel and records `backward` (which receives the output
  /// gradient and the output's storage) on the tape.
  func binary<Op: BinaryKernelOp>(
    _ other: Tensor, _ name: String, _ op: Op,
    backward: @escaping (_ g: Tensor, _ out: Storage) throws -> [Tensor?]
  ) throws -> Tensor {
    let shape = try Shape.broadcast(self.shape, other.shape, op: name)
    let out = try Tensor.allocate(Shape.count(shape), op: name)
    broadcastBinary(op, storage.base, self.shape, other.storage.base, other.shape, out.base, shape)
    return Tensor.result(shape: shape, storage: out, inputs: [self, other]) { g in try backward(g, out) }
  }

  /// Elementwise sum with NumPy broadcasting: `[2, 3] + [3] -> [2, 3]`.
  ///
  /// Backward: each operand receives the output gradient summed over its broadcast dims.
  public func add(_ other: Tensor) throws -> Tensor {
    let a = self, b = other
    return try binary(other, "add", AddOp()) { g, _ in
      [a.requiresGrad ? try g.sumTo(a.shape) : nil, b.requiresGrad ? try g.sumTo(b.shape) : nil]
    }
  }

  /// Elementwise difference with broadcasting.
  public func sub(_ other: Tensor) throws -> Tensor {
    let a = self, b = other
    return try binary(other, "sub", SubOp()) { g, _ in
      [a.requiresGrad ? try g.sumTo(a.shape) : nil, b.requiresGrad ? try g.neg().sumTo(b.shape) : nil]
    }
  }

  /// Elementwise product with broadcasting.
  ///
  /// Backward: da = g·b, db = g·a, each summed to its operand's shape.
  public func mul(_ other: Tensor) throws -> Tensor {
    let a = self, b = other
    return try binary(other, "mul", MulOp()) { g, _ in
      [a.requiresGrad ? try g.mul(b).sumTo(a.shape) : nil, b.requiresGrad ? try g.mul(a).sumTo(b.shape) : nil]
    }
  }

  /// Elementwise quotient with broadcasting (IEEE: x/0 is ±inf or NaN, not an error).
  ///
  /// Backward: da = g/b, db = -g·(a/b)/b.
  public func div(_ other: Tensor) throws -> Tensor {
    let a = self, b = other, shape = try Shape.broadcast(a.shape, b.shape, op: "div")
    return try binary(other, "div", DivOp()) { g, out in
      let y = Tensor(shape: shape, storage: out)
      return [
        a.requiresGrad ? try g.div(b).sumTo(a.shape) : nil,
        b.requiresGrad ? try g.mul(y).div(b).neg().sumTo(b.shape) : nil,
      ]
    }
  }

  /// Elementwise power `a ** b` with broadcasting.
  ///
  /// Backward: da = g·b·a^(b-1), db = g·a^b·ln a (NaN for a < 0, as PyTorch).
  public func pow(_ other: Tensor) throws -> Tensor {
    let a = self, b = other, shape = try Shape.broadcast(a.shape, b.shape, op: "pow")
    return try binary(other, "pow", PowOp()) { g, out in
      let y = Tensor(shape: shape, storage: out)
      return [
        a.requiresGrad ? try g.mul(b).mul(a.pow(b.sub(1))).sumTo(a.shape) : nil,
        b.requiresGrad ? try g.mul(y).mul(a.log()).sumTo(b.shape) : nil,
      ]
    }
  }

  /// Python-style remainder `a % b` with broadcasting: the result has the sign of `b`.
  ///
  /// Backward: da = g, db = −g·⌊a/b⌋ (away from the jumps).
  public func mod(_ other: Tensor) throws -> Tensor {
    let a = self, b = other
    return try binary(other, "mod", ModOp()) { g, _ in
      var gb: Tensor? = nil
      if b.requiresGrad {
        let shape = g.shape
        let q = try Tensor.empty(shape, op: "mod")
        broadcastBinary(FloorDivOp(), a.storage.base, a.shape, b.storage.base, b.shape, q.storage.base, shape)
        gb = try g.mul(q).neg().sumTo(b.shape)
      }
      return [a.requiresGrad ? try g.sumTo(a.shape) : nil, gb]
    }
  }

  /// `self % s` (Python semantics).
  public func mod(_ s: Float) throws -> Tensor { try mod(Tensor(scalar: s)) }

  /// Elementwise maximum with broadcasting; NaN propagates. Ties split the gradient evenly.
  public func maximum(_ other: Tensor) throws -> Tensor { try extreme(other, isMax: true) }

  /// Elementwise minimum with broadcasting; NaN propagates. Ties split the gradient evenly.
  public func minimum(_ other: Tensor) throws -> Tensor { try extreme(other, isMax: false) }

  private func extreme(_ other: Tensor, isMax: Bool) throws -> Tensor {
    let a = self, b = other, name = isMax ? "maximum" : "minimum"
    let body: (Tensor, Storage) throws -> [Tensor?] = { g, _ in
      let shape = g.shape
      let mask = try Tensor.empty(shape, op: name)
      broadcastBinary(ExtremeMaskOp(isMax: isMax), a.storage.base, a.shape, b.storage.base, b.shape, mask.storage.base, shape)
      let ga = try g.mul(mask)
      return [
        a.requiresGrad ? try ga.sumTo(a.shape) : nil,
        b.requiresGrad ? try g.sub(ga).sumTo(b.shape) : nil,
      ]
    }
    return isMax ? try binary(other, name, MaxOp(), backward: body) : try binary(other, name, MinOp(), backward: body)
  }

  // MARK: - Scalar forms

  /// Runs a unary kernel and records `backward(g, outStorage)` on the tape.
  func unary<Op: UnaryKernelOp>(
    _ name: String, _ op: Op, backward: @escaping (_ g: Tensor, _ out: Storage) throws -> Tensor
  ) throws -> Tensor {
    let out = try Tensor.allocate(count, op: name)
    mapUnary(op, storage.base, out.base, count)
    return Tensor.result(shape: shape, storage: out, inputs: [self]) { g in [try backward(g, out)] }
  }

  /// `self + s`.
  public func add(_ s: Float) throws -> Tensor { try unary("add", AffineOp(scale: 1, shift: s)) { g, _ in g } }
  /// `self - s`.
  public func sub(_ s: Float) throws -> Tensor { try unary("sub", AffineOp(scale: 1, shift: -s)) { g, _ in g } }
  /// `s - self`.
  public func rsub(_ s: Float) throws -> Tensor { try unary("sub", AffineOp(scale: -1, shift: s)) { g, _ in try g.neg() } }
  /// `self * s`.
  public func mul(_ s: Float) throws -> Tensor { try unary("mul", AffineOp(scale: s, shift: 0)) { g, _ in try g.mul(s) } }
  /// `self / s`.
  public func div(_ s: Float) throws -> Tensor { try unary("div", DivScalarOp(s: s)) { g, _ in try g.div(s) } }
  /// `s / self`; backward −s/x².
  public func rdiv(_ s: Float) throws -> Tensor {
    let x = self
    return try unary("div", ReciprocalScaleOp(s: s)) { g, out in
      try g.mul(Tensor(shape: x.shape, storage: out)).div(x).neg()
    }
  }
  /// `self ** p`; backward p·x^(p-1).
  public func pow(_ p: Float) throws -> Tensor {
    let x = self
    return try unary("pow", PowScalarOp(p: p)) { g, _ in try Tensor.gradMap(PowScalarGradOp(p: p), g, x.storage, op: "pow") }
  }
  /// `s ** self`; backward s^x·ln s.
  public func rpow(_ s: Float) throws -> Tensor {
    let x = self
    return try unary("pow", ScalarPowOp(base: s)) { g, out in
      try g.mul(Tensor(shape: x.shape, storage: out)).mul(logf(s))
    }
  }
  /// Elementwise maximum with a number (NaN propagates; a tie passes half the gradient).
  public func maximum(_ s: Float) throws -> Tensor { try maximum(Tensor(scalar: s)) }
  /// Elementwise minimum with a number.
  public func minimum(_ s: Float) throws -> Tensor { try minimum(Tensor(scalar: s)) }

  // MARK: - Operators

  /// Elementwise sum (broadcasting); `try a + b`.
  public static func + (a: Tensor, b: Tensor) throws -> Tensor { try a.add(b) }
  /// Elementwise difference (broadcasting).
  public static func - (a: Tensor, b: Tensor) throws -> Tensor { try a.sub(b) }
  /// Elementwise product (broadcasting).
  public static func * (a: Tensor, b: Tensor) throws -> Tensor { try a.mul(b) }
  /// Elementwise quotient (broadcasting).
  public static func / (a: Tensor, b: Tensor) throws -> Tensor { try a.div(b) }
  /// Elementwise sum (broadcasting); `try a + b`.
  public static func + (a: Tensor, s: Float) throws -> Tensor { try a.add(s) }
  /// Elementwise difference (broadcasting).
  public static func - (a: Tensor, s: Float) throws -> Tensor { try a.sub(s) }
  /// Elementwise product (broadcasting).
  public static func * (a: Tensor, s: Float) throws -> Tensor { try a.mul(s) }
  /// Elementwise quotient (broadcasting).
  public static func / (a: Tensor, s: Float) throws -> Tensor { try a.div(s) }
  /// Elementwise sum (broadcasting); `try a + b`.
  public static func + (s: Float, a: Tensor) throws -> Tensor { try a.add(s) }
  /// Elementwise difference (broadcasting).
  public static func - (s: Float, a: Tensor) throws -> Tensor { try a.rsub(s) }
  /// Elementwise product (broadcasting).
  public static func * (s: Float, a: Tensor) throws -> Tensor { try a.mul(s) }
  /// Elementwise quotient (broadcasting).
  public static func / (s: Float, a: Tensor) throws -> Tensor { try a.rdiv(s) }
  /// Python-style remainder (broadcasting).
  public static func % (a: Tensor, b: Tensor) throws -> Tensor { try a.mod(b) }
  /// Python-style remainder (broadcasting).
  public static func % (a: Tensor, s: Float) throws -> Tensor { try a.mod(s) }
  /// Negation; `try -a`.
  public static prefix func - (a: Tensor) throws -> Tensor { try a.neg() }
}
