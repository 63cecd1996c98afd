// Shape and data movement: reshape (shares storage), transpose/permute (copies into
// contiguous storage), concatenation, stacking and gathering along an axis.
extension Tensor {
  /// The same elements with a new shape; one dimension may be −1 (inferred). Shares storage.
  ///
  ///     x.reshape([2, -1])   // [6] -> [2, 3]
  public func reshape(_ newShape: [Int]) throws -> Tensor {
    var s = newShape
    let holes = s.indices.filter { s[$0] == -1 }
    guard holes.count <= 1 else {
      throw RuntimeError.invalidArgument(op: "reshape", message: "only one dimension can be -1, got \(Shape.describe(newShape))")
    }
    for d in s where d < -1 {
      throw RuntimeError.invalidArgument(op: "reshape", message: "negative dimension \(d) in shape \(Shape.describe(newShape))")
    }
    // Validate the given sizes (overflow-safe) before multiplying them.
    try Shape.validate(s.map { $0 == -1 ? 1 : $0 }, op: "reshape")
    if let h = holes.first {
      let known = s.enumerated().reduce(1) { $1.offset == h ? $0 : $0 * $1.element }
      guard known > 0, count % known == 0 else {
        throw RuntimeError.shapeMismatch(op: "reshape", shapes: [shape, newShape], detail: "are incompatible (cannot infer -1)")
      }
      s[h] = count / known
    }
    guard Shape.count(s) == count else {
      throw RuntimeError.shapeMismatch(op: "reshape", shapes: [shape, newShape], detail: "have different element counts")
    }
    let inShape = shape
    return Tensor.result(shape: s, storage: storage, inputs: [self]) { g in
      [Tensor(shape: inShape, storage: g.storage)]
    }
  }

  /// Flattens dimensions `from...` into one: `[N, C, H, W].flatten(from: 1) -> [N, C·H·W]`.
  public func flatten(from: Int = 0) throws -> Tensor {
    if rank == 0 { return try reshape([1]) }
    let a = try Shape.axis(from, rank: rank, op: "flatten")
    return try reshape(Array(shape[..<a]) + [Shape.count(Array(shape[a...]))])
  }

  /// Inserts a size-1 dimension at `axis` (0...rank; negative counts from the end).
  public func unsqueeze(_ axis: Int) throws -> Tensor {
    let a = try Shape.axis(axis, rank: rank + 1, op: "unsqueeze")
    var s = shape
    s.insert(1, at: a)
    return try reshape(s)
  }

  /// Removes the size-1 dimension `axis`, or every size-1 dimension when `axis` is nil.
  public func squeeze(_ axis: Int? = nil) throws -> Tensor {
    guard let axis else { return try reshape(shape.filter { $0 != 1 }) }
    let a = try Shape.axis(axis, rank: rank, op: "squeeze")
    guard rank > 0, shape[a] == 1 else {
      throw RuntimeError.invalidArgument(op: "squeeze", message: "dimension \(axis) of shape \(Shape.describe(shape)) is not 1")
    }
    var s = shape
    s.remove(at: a)
    return try reshape(s)
  }

  /// Materialises NumPy broadcasting to `target`; backward sums over the broadcast dims.
  public func broadcast(to target: [Int]) throws -> Tensor {
    try Shape.validate(target, op: "broadcast")
    let b = try Shape.broadcast(shape, target, op: "broadcast")
    guard b == target else {
      throw RuntimeError.shapeMismatch(op: "broadcast", shapes: [shape, target], detail: "cannot be broadcast together")
    }
    let out = try Tensor.allocate(Shape.count(target), op: "broadcast")
    broadcastCopy(storage.base, shape, out.base, target)
    let inShape = shape
    return Tensor.result(shape: target, storage: out, inputs: [self]) { g in [try g.sumTo(inShape)] }
  }

  /// Permutes dimensions (`dims[d]` is the input dim that becomes output dim d); `nil`
  /// reverses them, so a matrix transposes. The result is a contiguous copy.
  public func transpose(_ dims: [Int]? = nil) throws -> Tensor {
    let perm = try dims.map { try normalisePermutation($0, op: "transpose") } ?? Array((0..<rank).reversed())
    return try permuted(perm, op: "transpose")
  }

  /// Permutes dimensions; same as `transpose(dims)`.
  public func permute(_ dims: [Int]) throws -> Tensor {
    try permuted(try normalisePermutation(dims, op: "permute"), op: "permute")
  }

  private func normalisePermutation(_ dims: [Int], op: String) throws -> [Int] {
    guard dims.count == rank else {
      throw RuntimeError.invalidArgument(op: op, message: "\(Shape.describe(dims)) is not a permutation of the \(rank) dimensions of shape \(Shape.describe(shape))")
    }
    let p = try dims.map { try Shape.axis($0, rank: rank, op: op) }
    guard Set(p).count == rank else {
      throw RuntimeError.invalidArgument(op: op, message: "\(Shape.describe(dims)) is not a permutation of the \(rank) dimensions of shape \(Shape.describe(shape))")
    }
    return p
  }

  private func permuted(_ perm: [Int], op: String) throws -> Tensor {
    let outShape = perm.map { shape[$0] }
    let out = try Tensor.allocate(count, op: op)
    if rank == 2, perm == [1, 0] {
      transpose2D(storage.base, rows: shape[0], cols: shape[1], out.base)
    } else {
      permuteCopy(storage.base, shape, perm, out.base)
    }
    var inverse = [Int](repeating: 0, count: perm.count)
    for (d, p) in perm.enumerated() { inverse[p] = d }
    return Tensor.result(shape: outShape, storage: out, inputs: [self]) { g in [try g.permuted(inverse, op: op)] }
  }

  /// Joins tensors along an existing axis; all other dimensions must agree.
  ///
  ///     Tensor.concat([a, b], axis: 0)   // [2, 3] and [4, 3] -> [6, 3]
  public static func concat(_ ts: [Tensor], axis: Int) throws -> Tensor {
    guard let first = ts.first else {
      throw RuntimeError.invalidArgument(op: "concat", message: "needs at least one tensor")
    }
    guard first.rank > 0 else {
      throw RuntimeError.invalidArgument(op: "concat", message: "cannot concatenate scalars (use stack)")
    }
    let a = try Shape.axis(axis, rank: first.rank, op: "concat")
    var total = 0
    for t in ts {
      var s1 = t.shape, s0 = first.shape
      if t.rank == first.rank { s1[a] = 0; s0[a] = 0 }
      guard s0 == s1 else {
        throw RuntimeError.shapeMismatch(op: "concat", shapes: [first.shape, t.shape], detail: "differ outside axis \(axis)")
      }
      total += t.shape[a]
    }
    var outShape = first.shape
    outShape[a] = total
    let outer = Shape.count(Array(first.shape[..<a])), inner = Shape.count(Array(first.shape[(a + 1)...]))
    let out = try Tensor.allocate(Shape.count(outShape), op: "concat")
    let rowOut = total * inner
    var col = 0
    for t in ts {
      let w = t.shape[a] * inner
      for o in 0..<outer { (out.base + o * rowOut + col).update(from: t.storage.base + o * w, count: w) }
      col += w
    }
    let widths = ts.map { $0.shape[a] * inner }, shapes = ts.map(\.shape)
    return Tensor.result(shape: outShape, storage: out, inputs: ts) { g in
      var grads: [Tensor?] = []
      var col = 0
      for (k, t) in ts.enumerated() {
        let w = widths[k]
        if t.requiresGrad {
          let d = try Tensor.empty(shapes[k], op: "concat")
          for o in 0..<outer { (d.storage.base + o * w).update(from: g.storage.base + o * rowOut + col, count: w) }
          grads.append(d)
        } else {
          grads.append(nil)
        }
        col += w
      }
      return grads
    }
  }

  /// Stacks same-shape tensors along a new axis: three `[2, 3]` -> `[3, 2, 3]` at axis 0.
  public static func stack(_ ts: [Tensor], axis: Int = 0) throws -> Tensor {
    guard let first = ts.first else {
      throw RuntimeError.invalidArgument(op: "stack", message: "needs at least one tensor")
    }
    for t in ts where t.shape != first.shape {
      throw RuntimeError.shapeMismatch(op: "stack", shapes: [first.shape, t.shape], detail: "differ (stack needs equal shapes)")
    }
    let a = try Shape.axis(axis, rank: first.rank + 1, op: "stack")
    return try concat(ts.map { try $0.unsqueeze(a) }, axis: a)
  }

  /// Gathers slices along `axis` (negative indices count from the end; repeats allowed).
  ///
  ///     x.indexSelect([2, 0], axis: 0)   // rows 2 and 0 of x
  ///
  /// Backward scatter-adds the gradient into the selected positions.
  public func indexSelect(_ indices: [Int], axis: Int) throws -> Tensor {
    let (outer, n, inner) = try Shape.split(shape, axis: axis, op: "indexSelect")
    let idx = try indices.map { i -> Int in
      let j = i < 0 ? i + n : i
      guard j >= 0, j < n else { throw RuntimeError.indexOutOfRange(op: "indexSelect", index: i, size: n) }
      return j
    }
    var outShape = shape
    if rank == 0 { outShape = [idx.count] } else { outShape[try Shape.axis(axis, rank: rank, op: "indexSelect")] = idx.count }
    let m = idx.count
    let out = try Tensor.allocate(outer * m * inner, op: "indexSelect")
    let x = storage.base
    for o in 0..<outer {
      for (r, j) in idx.enumerated() {
        (out.base + (o * m + r) * inner).update(from: x + (o * n + j) * inner, count: inner)
      }
    }
    let inShape = shape
    return Tensor.result(shape: outShape, storage: out, inputs: [self]) { g in
      let dx = try Tensor.empty(inShape, op: "indexSelect", zeroed: true)
      let d = dx.storage.base, gp = g.storage.base
      for o in 0..<outer {
        for (r, j) in idx.enumerated() {
          let pd = d + (o * n + j) * inner, pg = gp + (o * m + r) * inner
          for e in 0..<inner { pd[e] += pg[e] }
        }
      }
      return [dx]
    }
  }
}
