/// One component of a NumPy-style index `t[i, 1:3, -1, :, [0, 2]]`.
///
/// Negative positions count from the end. Slices follow Python: bounds are clamped, a
/// negative step walks backwards, a zero step is an error. Unlike NumPy, several `list`
/// components index independently (outer product), not zipped together.
public enum TensorIndex: Equatable, Sendable {
  /// One position; the dimension is removed.
  case index(Int)
  /// `start:end:step`; `nil` parts take Python's defaults.
  case slice(start: Int?, end: Int?, step: Int?)
  /// `:`, the whole dimension.
  case all
  /// Positions in the given order (repeats allowed); the dimension is kept.
  case list([Int])
}

/// A resolved index: for each input dimension the selected positions, and which dims stay.
struct IndexPlan {
  var positions: [[Int]]
  var kept: [Bool]
  var inShape: [Int]

  /// The shape of the selection (kept dimensions only).
  var outShape: [Int] { positions.indices.filter { kept[$0] }.map { positions[$0].count } }

  init(_ idx: [TensorIndex], shape: [Int], op: String) throws {
    guard idx.count <= shape.count else {
      throw RuntimeError.invalidArgument(op: op, message: "too many indices (\(idx.count)) for a tensor of rank \(shape.count)")
    }
    inShape = shape
    positions = []
    kept = []
    for (d, n) in shape.enumerated() {
      let component = d < idx.count ? idx[d] : .all
      func resolve(_ i: Int) throws -> Int {
        let j = i < 0 ? i + n : i
        guard j >= 0, j < n else { throw RuntimeError.indexOutOfRange(op: op, index: i, size: n) }
        return j
      }
      switch component {
      case .index(let i):
        positions.append([try resolve(i)]); kept.append(false)
      case .all:
        positions.append(Array(0..<n)); kept.append(true)
      case .list(let l):
        positions.append(try l.map(resolve)); kept.append(true)
      case let .slice(start, end, step):
        let s = step ?? 1
        guard s != 0 else { throw RuntimeError.invalidArgument(op: op, message: "slice step cannot be zero") }
        // Python's slice.indices: clamp into range; the defaults depend on the direction.
        func clamp(_ v: Int?, _ dflt: Int, lo: Int, hi: Int) -> Int {
          guard let v else { return dflt }
          let w = v < 0 ? v + n : v
          return Swift.min(Swift.max(w, lo), hi)
        }
        let p: [Int] = s > 0
          ? Array(stride(from: clamp(start, 0, lo: 0, hi: n), to: clamp(end, n, lo: 0, hi: n), by: s))
          : Array(stride(from: clamp(start, n - 1, lo: -1, hi: n - 1), to: clamp(end, -1, lo: -1, hi: n - 1), by: s))
        positions.append(p); kept.append(true)
      }
    }
  }

  /// Calls `body(inOffset, outOffset, length)` for each contiguous run of selected elements,
  /// in row-major order of the selection. Trailing whole dimensions and an ascending
  /// step-1 innermost selection become one run each.
  func forEachRun(_ body: (Int, Int, Int) -> Void) {
    let r = inShape.count
    if positions.contains(where: \.isEmpty) { return }
    let strides = Shape.strides(inShape)
    // Trailing dims taken whole, in order, form the block.
    var k = r
    while k > 0, positions[k - 1].count == inShape[k - 1], positions[k - 1].enumerated().allSatisfy({ $0.offset == $0.element }) {
      k -= 1
    }
    let block = Shape.count(Array(inShape[k...]))
    if k == 0 { body(0, 0, block); return }
    // The innermost indexed dim: one run if its positions ascend by one.
    let lastPos = positions[k - 1]
    let contiguous = zip(lastPos, lastPos.dropFirst()).allSatisfy { $1 == $0 + 1 }
    let runLen = contiguous ? lastPos.count * block : block
    let inner = contiguous ? 1 : lastPos.count
    var idx = [Int](repeating: 0, count: k - 1)
    var base = (0..<(k - 1)).reduce(0) { $0 + positions[$1][0] * strides[$1] }
    let outer = (0..<(k - 1)).reduce(1) { $0 * positions[$1].count }
    var out = 0
    let lastStride = strides[k - 1]
    for _ in 0..<outer {
      for j in 0..<inner {
        body(base + lastPos[j] * lastStride, out, runLen)
        out += runLen
      }
      var d = k - 2
      while d >= 0 {
        base -= positions[d][idx[d]] * strides[d]
        idx[d] += 1
        if idx[d] < positions[d].count {
          base += positions[d][idx[d]] * strides[d]
          break
        }
        idx[d] = 0
        base += positions[d][0] * strides[d]
        d -= 1
      }
    }
  }
}

extension Tensor {
  /// NumPy-style indexing: `t.index([.index(0), .slice(start: 1, end: 3, step: nil), .all])`
  /// is `t[0, 1:3, :]`. Missing trailing components mean `:`. The result is a copy.
  ///
  /// Backward scatter-adds the gradient into the selected positions.
  public func index(_ idx: [TensorIndex]) throws -> Tensor {
    let plan = try IndexPlan(idx, shape: shape, op: "index")
    let outShape = plan.outShape
    let out = try Tensor.allocate(Shape.count(outShape), op: "index")
    let x = storage.base
    plan.forEachRun { i, o, n in (out.base + o).update(from: x + i, count: n) }
    let inShape = shape
    return Tensor.result(shape: outShape, storage: out, inputs: [self]) { g in
      let dx = try Tensor.empty(inShape, op: "index", zeroed: true)
      let d = dx.storage.base, gp = g.storage.base
      plan.forEachRun { i, o, n in
        for e in 0..<n { d[i + e] += gp[o + e] }
      }
      return [dx]
    }
  }

  /// Assigns `value` (broadcast to the selection's shape) into the selected positions, in
  /// place: `t[0, :] = v`. Views made by `reshape` share storage and see the change.
  ///
  /// Not recorded on the tape; modifying a tensor that requires grad is an error unless
  /// grad recording is off (`GradMode.noGrad`), as in PyTorch.
  public func setIndex(_ idx: [TensorIndex], value: Tensor) throws {
    if requiresGrad, GradMode.isEnabled {
      throw RuntimeError.invalidArgument(op: "setIndex", message: "cannot modify a tensor that requires grad in place (do it under no_grad)")
    }
    let plan = try IndexPlan(idx, shape: shape, op: "setIndex")
    let selShape = plan.outShape
    // Leading size-1 dims of the value may exceed the selection's rank (NumPy allows it).
    let vShape = Array(value.shape.drop(while: { $0 == 1 }))
    let fits = (try? Shape.broadcast(vShape, selShape, op: "setIndex")) == selShape
    guard fits else {
      throw RuntimeError.shapeMismatch(op: "setIndex", shapes: [value.shape, selShape], detail: "cannot be broadcast together (value and selection)")
    }
    let src = try Tensor.allocate(Shape.count(selShape), op: "setIndex")
    broadcastCopy(value.storage.base, vShape, src.base, selShape)
    let x = storage.base
    plan.forEachRun { i, o, n in (x + i).update(from: src.base + o, count: n) }
  }

  /// Assigns a number to every selected position: `t[:, 0] = 0`.
  public func setIndex(_ idx: [TensorIndex], value: Float) throws {
    try setIndex(idx, value: Tensor(scalar: value))
  }
}
