// Reductions over one axis (or all elements when `axis` is nil). Negative axes count from
// the end; `keepDims` leaves the reduced axis with size 1 so the result broadcasts back.
extension Tensor {
  /// The layout of a reduction: [outer, n, inner] and the result shape.
  private func reduction(axis: Int?, keepDims: Bool, op: String) throws -> (outer: Int, n: Int, inner: Int, shape: [Int]) {
    guard let axis else {
      return (1, count, 1, keepDims ? [Int](repeating: 1, count: rank) : [])
    }
    let (outer, n, inner) = try Shape.split(shape, axis: axis, op: op)
    if rank == 0 { return (outer, n, inner, []) }
    let a = axis < 0 ? axis + rank : axis
    var s = shape
    if keepDims { s[a] = 1 } else { s.remove(at: a) }
    return (outer, n, inner, s)
  }

  /// Sum of all elements (`axis: nil`) or along one axis.
  ///
  ///     x.sum()                        // scalar
  ///     x.sum(axis: 0)                 // [2, 3] -> [3]
  ///     x.sum(axis: -1, keepDims: true) // [2, 3] -> [2, 1]
  ///
  /// Backward: the gradient is broadcast back along the reduced axis.
  public func sum(axis: Int? = nil, keepDims: Bool = false) throws -> Tensor {
    let (outer, n, inner, outShape) = try reduction(axis: axis, keepDims: keepDims, op: "sum")
    let out = try Tensor.allocate(outer * inner, op: "sum")
    sumAxis(storage.base, outer: outer, n: n, inner: inner, out.base)
    let inShape = shape
    return Tensor.result(shape: outShape, storage: out, inputs: [self]) { g in
      let dx = try Tensor.empty(inShape, op: "sum")
      // Broadcast g as [outer, 1, inner] over [outer, n, inner].
      broadcastCopy(g.storage.base, [outer, 1, inner], dx.storage.base, [outer, n, inner])
      return [dx]
    }
  }

  /// Sum over several axes at once (e.g. `[0, 2, 3]` of NCHW gives per-channel sums).
  public func sum(axes: [Int], keepDims: Bool = false) throws -> Tensor {
    let norm = try Set(axes.map { try Shape.axis($0, rank: rank, op: "sum") }).sorted()
    guard norm.count == axes.count else {
      throw RuntimeError.invalidArgument(op: "sum", message: "repeated axis in \(Shape.describe(axes))")
    }
    var t = self
    for a in norm { t = try t.sum(axis: a, keepDims: true) }
    if keepDims || norm.isEmpty { return t }
    return try t.reshape(shape.enumerated().filter { !norm.contains($0.offset) }.map(\.element))
  }

  /// Mean over several axes at once.
  public func mean(axes: [Int], keepDims: Bool = false) throws -> Tensor {
    let norm = try axes.map { try Shape.axis($0, rank: rank, op: "mean") }
    let n = norm.reduce(1) { $0 * shape[$1] }
    return try sum(axes: axes, keepDims: keepDims).div(Float(n))
  }

  /// Arithmetic mean of all elements or along one axis (NaN for an empty reduction, as NumPy).
  public func mean(axis: Int? = nil, keepDims: Bool = false) throws -> Tensor {
    let n = try reduction(axis: axis, keepDims: keepDims, op: "mean").n
    return try sum(axis: axis, keepDims: keepDims).div(Float(n))
  }

  /// Maximum of all elements or along one axis. Backward sends the gradient to the first
  /// maximal element only (as PyTorch's `max(dim)`).
  public func max(axis: Int? = nil, keepDims: Bool = false) throws -> Tensor {
    try extreme(axis: axis, keepDims: keepDims, isMax: true)
  }

  /// Minimum of all elements or along one axis; gradient to the first minimal element.
  public func min(axis: Int? = nil, keepDims: Bool = false) throws -> Tensor {
    try extreme(axis: axis, keepDims: keepDims, isMax: false)
  }

  /// Index of the first maximum (over the flattened tensor when `axis` is nil), as floats.
  public func argmax(axis: Int? = nil, keepDims: Bool = false) throws -> Tensor {
    try argExtreme(axis: axis, keepDims: keepDims, isMax: true)
  }

  /// Index of the first minimum (over the flattened tensor when `axis` is nil), as floats.
  public func argmin(axis: Int? = nil, keepDims: Bool = false) throws -> Tensor {
    try argExtreme(axis: axis, keepDims: keepDims, isMax: false)
  }

  /// Runs the extreme kernel; returns values, arg indices and the layout.
  private func extremeKernel(axis: Int?, keepDims: Bool, isMax: Bool, op: String)
    throws -> (values: Storage, args: [Int], outer: Int, n: Int, inner: Int, shape: [Int])
  {
    let (outer, n, inner, outShape) = try reduction(axis: axis, keepDims: keepDims, op: op)
    guard n > 0 else {
      throw RuntimeError.invalidArgument(op: op, message: "cannot reduce an empty axis (shape \(Shape.describe(shape)))")
    }
    let out = try Tensor.allocate(outer * inner, op: op)
    var args = [Int](repeating: 0, count: outer * inner)
    args.withUnsafeMutableBufferPointer { a in
      if let p = a.baseAddress { extremeAxis(storage.base, outer: outer, n: n, inner: inner, isMax: isMax, out.base, p) }
    }
    return (out, args, outer, n, inner, outShape)
  }

  private func extreme(axis: Int?, keepDims: Bool, isMax: Bool) throws -> Tensor {
    let op = isMax ? "max" : "min"
    let r = try extremeKernel(axis: axis, keepDims: keepDims, isMax: isMax, op: op)
    let inShape = shape
    return Tensor.result(shape: r.shape, storage: r.values, inputs: [self]) { g in
      let dx = try Tensor.empty(inShape, op: op, zeroed: true)
      let d = dx.storage.base, gp = g.storage.base
      for o in 0..<r.outer {
        for j in 0..<r.inner {
          let k = r.args[o * r.inner + j]
          d[(o * r.n + k) * r.inner + j] += gp[o * r.inner + j]
        }
      }
      return [dx]
    }
  }

  private func argExtreme(axis: Int?, keepDims: Bool, isMax: Bool) throws -> Tensor {
    let r = try extremeKernel(axis: axis, keepDims: keepDims, isMax: isMax, op: isMax ? "argmax" : "argmin")
    let out = r.values.base
    for i in 0..<r.args.count { out[i] = Float(r.args[i]) }
    return Tensor(shape: r.shape, storage: r.values)
  }

  /// Variance of all elements or along one axis: mean of squared deviations, divided by
  /// n − 1 instead of n when `unbiased` (the default is NumPy's biased form, ddof = 0).
  public func variance(axis: Int? = nil, keepDims: Bool = false, unbiased: Bool = false) throws -> Tensor {
    let n = try reduction(axis: axis, keepDims: keepDims, op: "variance").n
    let m = try mean(axis: axis, keepDims: true)
    let d = try sub(m)
    return try d.mul(d).sum(axis: axis, keepDims: keepDims).div(Float(unbiased ? n - 1 : n))
  }

  /// Standard deviation: √variance (same `unbiased` convention).
  public func std(axis: Int? = nil, keepDims: Bool = false, unbiased: Bool = false) throws -> Tensor {
    try variance(axis: axis, keepDims: keepDims, unbiased: unbiased).sqrt()
  }

  /// log Σ exp(x) over all elements or along one axis, stable (the maximum is factored out).
  ///
  /// Backward: g · softmax(x) along the axis.
  public func logSumExp(axis: Int? = nil, keepDims: Bool = false) throws -> Tensor {
    let m = try GradMode.noGrad { try max(axis: axis, keepDims: true) }
    // A row of -inf (or inf) would give inf - inf = NaN; shift by 0 there instead.
    let shift = try GradMode.noGrad { try Tensor.where(m.abs().lt(Float.infinity), m, Tensor(scalar: 0)) }
    let lse = try sub(shift).exp().sum(axis: axis, keepDims: true).log().add(shift)
    guard !keepDims else { return lse }
    guard let axis else { return try lse.reshape([]) }
    return try lse.squeeze(axis)
  }
}
