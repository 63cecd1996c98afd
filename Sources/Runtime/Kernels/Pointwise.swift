#if canImport(Glibc)
import Glibc
#endif

// Pointwise kernels: unary maps, NumPy-broadcast binary maps, and the sum that undoes a
// broadcast (gradient of a broadcast operand). Element functions are small structs
// conforming to a protocol, so the generic kernels specialise into plain loops with no
// per-element closure call. Each kernel has a naive twin below for tests.

/// An elementwise function of one Float.
protocol UnaryKernelOp {
  func callAsFunction(_ x: Float) -> Float
}

/// An elementwise function of two Floats.
protocol BinaryKernelOp {
  func callAsFunction(_ a: Float, _ b: Float) -> Float
}

// MARK: - Element functions

struct AddOp: BinaryKernelOp { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a + b } }
struct SubOp: BinaryKernelOp { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a - b } }
struct MulOp: BinaryKernelOp { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a * b } }
struct DivOp: BinaryKernelOp { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a / b } }
struct PowOp: BinaryKernelOp { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { powf(a, b) } }
/// Python's `%`: the remainder takes the sign of the divisor, a − ⌊a/b⌋·b.
struct ModOp: BinaryKernelOp {
  @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float {
    let r = fmodf(a, b)
    return r != 0 && (r < 0) != (b < 0) ? r + b : r
  }
}
/// ⌊a/b⌋ as Python's `//` (the derivative of `mod` with respect to b is −⌊a/b⌋).
struct FloorDivOp: BinaryKernelOp {
  @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { ((a - ModOp()(a, b)) / b).rounded() }
}
/// NaN-propagating maximum (as NumPy's `maximum`).
struct MaxOp: BinaryKernelOp {
  @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a.isNaN || a >= b ? a : b }
}
/// NaN-propagating minimum (as NumPy's `minimum`).
struct MinOp: BinaryKernelOp {
  @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a.isNaN || a <= b ? a : b }
}
/// Comparisons give 0/1 floats; `code` selects ==, !=, <, <=, >, >=.
struct CompareOp: BinaryKernelOp {
  enum Code { case eq, ne, lt, le, gt, ge }
  let code: Code
  @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float {
    let r: Bool
    switch code {
    case .eq: r = a == b
    case .ne: r = a != b
    case .lt: r = a < b
    case .le: r = a <= b
    case .gt: r = a > b
    case .ge: r = a >= b
    }
    return r ? 1 : 0
  }
}

/// `x * s + t` (scalar affine; covers add, sub, mul, div and neg by a scalar).
struct AffineOp: UnaryKernelOp {
  let scale: Float, shift: Float
  @inline(__always) func callAsFunction(_ x: Float) -> Float { x * scale + shift }
}
struct ExpOp: UnaryKernelOp { @inline(__always) func callAsFunction(_ x: Float) -> Float { expf(x) } }
struct LogOp: UnaryKernelOp { @inline(__always) func callAsFunction(_ x: Float) -> Float { logf(x) } }
struct SqrtOp: UnaryKernelOp { @inline(__always) func callAsFunction(_ x: Float) -> Float { x.squareRoot() } }
struct AbsOp: UnaryKernelOp { @inline(__always) func callAsFunction(_ x: Float) -> Float { Swift.abs(x) } }
struct SquareOp: UnaryKernelOp { @inline(__always) func callAsFunction(_ x: Float) -> Float { x * x } }
struct TanhOp: UnaryKernelOp { @inline(__always) func callAsFunction(_ x: Float) -> Float { tanhf(x) } }
struct PowScalarOp: UnaryKernelOp {
  let p: Float
  @inline(__always) func callAsFunction(_ x: Float) -> Float { powf(x, p) }
}
/// `s ** x` for a scalar base.
struct ScalarPowOp: UnaryKernelOp {
  let base: Float
  @inline(__always) func callAsFunction(_ x: Float) -> Float { powf(base, x) }
}
/// `s / x`.
struct ReciprocalScaleOp: UnaryKernelOp {
  let s: Float
  @inline(__always) func callAsFunction(_ x: Float) -> Float { s / x }
}
/// Leaky ReLU; `slope` 0 is ReLU.
struct LeakyReluOp: UnaryKernelOp {
  let slope: Float
  @inline(__always) func callAsFunction(_ x: Float) -> Float { x > 0 ? x : x * slope }
}
/// Logistic sigmoid, written so neither branch overflows.
struct SigmoidOp: UnaryKernelOp {
  @inline(__always) func callAsFunction(_ x: Float) -> Float {
    if x >= 0 { return 1 / (1 + expf(-x)) }
    let e = expf(x)
    return e / (1 + e)
  }
}
/// GELU, exact (erf) form as PyTorch's default `gelu`: x Φ(x) = x (1 + erf(x / √2)) / 2.
struct GeluOp: UnaryKernelOp {
  @inline(__always) func callAsFunction(_ x: Float) -> Float { 0.5 * x * (1 + erff(x * 0.70710678118654752)) }
}
struct ClipOp: UnaryKernelOp {
  let lo: Float, hi: Float
  @inline(__always) func callAsFunction(_ x: Float) -> Float { Swift.min(Swift.max(x, lo), hi) }
}

// Gradient element functions: (upstream gradient, saved value) -> input gradient.
/// `g * f'(x)` for leaky ReLU, from the input x.
struct LeakyReluGradOp: BinaryKernelOp {
  let slope: Float
  // A select of the factor, not of two products, so the loop vectorises without branches.
  @inline(__always) func callAsFunction(_ g: Float, _ x: Float) -> Float { g * (x > 0 ? 1 : slope) }
}
/// `g * y * (1 - y)` from the sigmoid output y.
struct SigmoidGradOp: BinaryKernelOp {
  @inline(__always) func callAsFunction(_ g: Float, _ y: Float) -> Float { g * y * (1 - y) }
}
/// `g * (Φ(x) + x φ(x))` from the GELU input x (φ the standard normal density).
struct GeluGradOp: BinaryKernelOp {
  @inline(__always) func callAsFunction(_ g: Float, _ x: Float) -> Float {
    let cdf = 0.5 * (1 + erff(x * 0.70710678118654752))
    let pdf = 0.39894228040143268 * expf(-0.5 * x * x)
    return g * (cdf + x * pdf)
  }
}
/// `g * (1 - y²)` from the tanh output y.
struct TanhGradOp: BinaryKernelOp {
  @inline(__always) func callAsFunction(_ g: Float, _ y: Float) -> Float { g * (1 - y * y) }
}
/// `g / (2 y)` from the sqrt output y.
struct SqrtGradOp: BinaryKernelOp {
  @inline(__always) func callAsFunction(_ g: Float, _ y: Float) -> Float { g * 0.5 / y }
}
/// `g * sign(x)` (0 at 0, as PyTorch).
struct AbsGradOp: BinaryKernelOp {
  @inline(__always) func callAsFunction(_ g: Float, _ x: Float) -> Float { x > 0 ? g : (x < 0 ? -g : 0) }
}
/// `2 g x`.
struct SquareGradOp: BinaryKernelOp {
  @inline(__always) func callAsFunction(_ g: Float, _ x: Float) -> Float { 2 * g * x }
}
/// `g` inside [lo, hi] (inclusive, as PyTorch's clamp), 0 outside.
struct ClipGradOp: BinaryKernelOp {
  let lo: Float, hi: Float
  @inline(__always) func callAsFunction(_ g: Float, _ x: Float) -> Float { x >= lo && x <= hi ? g : 0 }
}
/// `g * p * x^(p-1)`.
struct PowScalarGradOp: BinaryKernelOp {
  let p: Float
  @inline(__always) func callAsFunction(_ g: Float, _ x: Float) -> Float { p == 0 ? 0 : g * p * powf(x, p - 1) }
}

// MARK: - Unary and same-shape kernels

/// out[i] = op(x[i]) for i in 0..<n. `out` may equal `x`.
@inline(__always)
func mapUnary<Op: UnaryKernelOp>(_ op: Op, _ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int) {
  chunked(n) { r in for i in r { out[i] = op(x[i]) } }
}

/// Below this many elements a pointwise loop runs on the calling thread (a dispatch costs
/// about as much as 64K additions); above it, the range is split over `Parallel.workers`.
/// Each element is computed the same way whatever the split, so results stay bit-identical.
let pointwiseParallelMin = 1 << 16

/// Runs `body` over `0..<n`, split into contiguous chunks across the cores for large n.
@inline(__always)
func chunked(_ n: Int, _ body: (Range<Int>) -> Void) {
  if n < pointwiseParallelMin { body(0..<n); return }
  Parallel.forEach(count: n, minPerWorker: pointwiseParallelMin / 2) { _, r in body(r) }
}

/// out[i] = op(a[i], b[i]) for i in 0..<n (same shapes).
@inline(__always)
func mapBinary<Op: BinaryKernelOp>(
  _ op: Op, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int
) {
  chunked(n) { r in for i in r { out[i] = op(a[i], b[i]) } }
}

// MARK: - Broadcasting

/// How operands of a broadcast map onto the output: dimensions merged where every operand
/// is contiguous across them (so `[64, 10] + [10]` becomes one row-broadcast loop and
/// same-shape operands become one flat loop). `strides[k][d]` is operand k's element stride
/// along merged dimension d, 0 where it is broadcast.
struct BroadcastLayout {
  var dims: [Int]
  var strides: [[Int]]

  /// Layout of operands with shapes `inputs` broadcast to `out` (already validated).
  init(out: [Int], inputs: [[Int]]) {
    let r = out.count
    var raw: [[Int]] = inputs.map { shape in
      let st = Shape.strides(shape)
      var s = [Int](repeating: 0, count: r)
      let off = r - shape.count
      for d in 0..<shape.count where shape[d] != 1 { s[d + off] = st[d] }
      return s
    }
    // Drop size-1 output dimensions, then merge neighbours that stay contiguous for all.
    var dims: [Int] = []
    var kept: [[Int]] = Array(repeating: [], count: inputs.count)
    for d in 0..<r where out[d] != 1 {
      if let last = dims.last,
        raw.indices.allSatisfy({ k in raw[k][d] * out[d] == kept[k][kept[k].count - 1] })
      {
        dims[dims.count - 1] = last * out[d]
        for k in raw.indices { kept[k][kept[k].count - 1] = raw[k][d] }
      } else {
        dims.append(out[d])
        for k in raw.indices { kept[k].append(raw[k][d]) }
      }
    }
    if dims.isEmpty {
      dims = [1]
      kept = Array(repeating: [0], count: inputs.count)
    }
    raw = kept
    self.dims = dims
    self.strides = raw
  }

  /// Calls `body(outOffset, offsets, innerCount)` once per innermost row, where
  /// `offsets[k]` is operand k's element offset of the row's first element.
  @inline(__always)
  func forEachRow(_ body: (Int, [Int], Int) -> Void) {
    let r = dims.count, inner = dims[r - 1]
    var idx = [Int](repeating: 0, count: r)
    var offs = [Int](repeating: 0, count: strides.count)
    var outOff = 0
    let rows = dims.dropLast().reduce(1, *)
    for _ in 0..<rows {
      body(outOff, offs, inner)
      outOff += inner
      // Advance the multi-index over the outer dimensions.
      var d = r - 2
      while d >= 0 {
        idx[d] += 1
        for k in offs.indices { offs[k] += strides[k][d] }
        if idx[d] < dims[d] { break }
        for k in offs.indices { offs[k] -= strides[k][d] * dims[d] }
        idx[d] = 0
        d -= 1
      }
    }
  }
}

/// out = op(a, b) with NumPy broadcasting; `out` is contiguous with shape `outShape`.
func broadcastBinary<Op: BinaryKernelOp>(
  _ op: Op, _ a: UnsafePointer<Float>, _ aShape: [Int], _ b: UnsafePointer<Float>, _ bShape: [Int],
  _ out: UnsafeMutablePointer<Float>, _ outShape: [Int]
) {
  let n = Shape.count(outShape)
  if aShape == bShape { mapBinary(op, a, b, out, n); return }
  if Shape.count(bShape) == 1 {
    let s = b[0]
    chunked(n) { r in for i in r { out[i] = op(a[i], s) } }
    return
  }
  if Shape.count(aShape) == 1 {
    let s = a[0]
    chunked(n) { r in for i in r { out[i] = op(s, b[i]) } }
    return
  }
  let layout = BroadcastLayout(out: outShape, inputs: [aShape, bShape])
  let r = layout.dims.count
  let sa = layout.strides[0][r - 1], sb = layout.strides[1][r - 1]
  layout.forEachRow { o, offs, m in
    let pa = a + offs[0], pb = b + offs[1], po = out + o
    switch (sa, sb) {
    case (1, 1): for i in 0..<m { po[i] = op(pa[i], pb[i]) }
    case (1, 0): let y = pb[0]; for i in 0..<m { po[i] = op(pa[i], y) }
    case (0, 1): let x = pa[0]; for i in 0..<m { po[i] = op(x, pb[i]) }
    default: for i in 0..<m { po[i] = op(pa[i * sa], pb[i * sb]) }
    }
  }
}

/// Copies `x` (shape `xShape`) broadcast to `outShape` into `out`.
func broadcastCopy(_ x: UnsafePointer<Float>, _ xShape: [Int], _ out: UnsafeMutablePointer<Float>, _ outShape: [Int]) {
  let n = Shape.count(outShape)
  if Shape.count(xShape) == n { out.update(from: x, count: n); return }
  let layout = BroadcastLayout(out: outShape, inputs: [xShape])
  let s = layout.strides[0][layout.dims.count - 1]
  layout.forEachRow { o, offs, m in
    if s == 1 { (out + o).update(from: x + offs[0], count: m) } else { (out + o).update(repeating: x[offs[0]], count: m) }
  }
}

/// The gradient of a broadcast: sums `g` (shape `gShape`) over the dimensions along which
/// `target` was broadcast, writing `count(target)` elements to `out` (overwritten).
func sumToShape(_ g: UnsafePointer<Float>, _ gShape: [Int], _ out: UnsafeMutablePointer<Float>, _ target: [Int]) {
  let nt = Shape.count(target)
  if nt == Shape.count(gShape) { out.update(from: g, count: nt); return }
  out.update(repeating: 0, count: nt)
  let layout = BroadcastLayout(out: gShape, inputs: [target])
  let s = layout.strides[0][layout.dims.count - 1]
  layout.forEachRow { o, offs, m in
    let pg = g + o, po = out + offs[0]
    if s == 1 {
      for i in 0..<m { po[i] += pg[i] }
    } else {
      po[0] += Float(sumContiguous(pg, m))
    }
  }
}

// MARK: - Naive twins (tests only)

/// The multi-index of flat position `i` in `shape`, mapped to the flat offset in `inShape`
/// under broadcasting (right-aligned, size-1 dims repeat).
func broadcastOffsetReference(_ i: Int, _ shape: [Int], _ inShape: [Int]) -> Int {
  var rem = i, off = 0, mul = 1
  for d in stride(from: shape.count - 1, through: 0, by: -1) {
    let c = rem % shape[d]
    rem /= shape[d]
    let k = d - (shape.count - inShape.count)
    if k >= 0 {
      if inShape[k] != 1 { off += c * mul }
      mul *= inShape[k]
    }
  }
  return off
}

/// Naive twin of `broadcastBinary`.
func broadcastBinaryReference(_ f: (Float, Float) -> Float, _ a: [Float], _ aShape: [Int], _ b: [Float], _ bShape: [Int], _ outShape: [Int]) -> [Float] {
  (0..<Shape.count(outShape)).map { i in
    f(a[broadcastOffsetReference(i, outShape, aShape)], b[broadcastOffsetReference(i, outShape, bShape)])
  }
}

/// Naive twin of `sumToShape`.
func sumToShapeReference(_ g: [Float], _ gShape: [Int], _ target: [Int]) -> [Float] {
  var out = [Double](repeating: 0, count: Shape.count(target))
  for i in 0..<g.count { out[broadcastOffsetReference(i, gShape, target)] += Double(g[i]) }
  return out.map { Float($0) }
}
