/// Principal component analysis for feature scatter plots (`scatter_features`).
///
/// The covariance `Xcᵀ Xc / (N - 1)` of the centred data comes from `gemm`. Its leading
/// eigenvectors come from the cyclic Jacobi method when the dimension is small (exact and
/// deterministic), otherwise from orthogonal (subspace) iteration on a block of
/// `components + 8` vectors followed by a Jacobi Rayleigh-Ritz step. Each axis is signed so
/// that its largest-magnitude coordinate is positive, so results do not flip between runs.
///
///     let xy = try PCA.project(features, components: 2)   // [N, D] -> [N, 2]
public enum PCA {
  /// Dimensions up to this use Jacobi on the full covariance.
  static let jacobiLimit = 160

  /// The principal axes of `x` (`[N, D]`): a `[D, components]` matrix of unit columns
  /// (by decreasing variance), the column means, and the variances along each axis.
  public static func fit(_ x: Tensor, components k: Int = 2) throws -> (axes: [[Double]], mean: [Double], variances: [Double]) {
    guard x.rank == 2, x.shape[0] >= 1, x.shape[1] >= 1 else {
      throw RuntimeError.invalidArgument(op: "pca", message: "expected a non-empty [N, D] matrix, got shape \(Shape.describe(x.shape))")
    }
    let n = x.shape[0], d = x.shape[1]
    guard k >= 1, k <= d else {
      throw RuntimeError.invalidArgument(op: "pca", message: "components must be in 1...\(d) for \(d) features, got \(k)")
    }
    try MemoryLimit.check(elements: n * d + d * d, op: "pca")
    let src = x.buffer
    guard !src.contains(where: { !$0.isFinite }) else {
      throw RuntimeError.numerical(message: "pca: the data contain NaN or infinite values")
    }
    var mean = [Double](repeating: 0, count: d)
    for i in 0..<n { for j in 0..<d { mean[j] += Double(src[i * d + j]) } }
    for j in 0..<d { mean[j] /= Double(n) }
    let xc = centred(x, mean)
    let cov = Tensor(zeros: [d, d], zeroed: false)
    // cov = xcᵀ xc: [D, N] x [N, D].
    gemm(transA: true, transB: false, m: d, n: d, k: n, a: xc.storage.base, lda: d, b: xc.storage.base, ldb: d, c: cov.storage.base, ldc: d)
    let denom = Double(max(n - 1, 1))
    var c = [Double](repeating: 0, count: d * d)
    for i in 0..<d { for j in 0..<d { c[i * d + j] = Double(cov.buffer[i * d + j] + cov.buffer[j * d + i]) / (2 * denom) } }
    var (values, vectors) = d <= jacobiLimit ? jacobi(c, d) : subspaceIteration(c, d, block: min(d, k + 8), wanted: k)
    let order = values.indices.sorted { values[$0] > values[$1] || (values[$0] == values[$1] && $0 < $1) }.prefix(k)
    var axes: [[Double]] = []
    for idx in order {
      var v = vectors[idx]
      // Deterministic sign: the largest-magnitude coordinate (first on ties) is positive.
      var big = 0
      for j in 1..<v.count where abs(v[j]) > abs(v[big]) + 1e-12 { big = j }
      if v[big] < 0 { v = v.map { -$0 } }
      axes.append(v)
    }
    values = order.map { max(values[$0], 0) }
    return (axes, mean, values)
  }

  /// The coordinates of the rows of `x` (`[N, D]`) on its first `components` principal axes: `[N, components]`.
  public static func project(_ x: Tensor, components: Int = 2) throws -> Tensor {
    let (axes, mean, _) = try fit(x, components: components)
    let n = x.shape[0], d = x.shape[1], k = axes.count
    let xc = centred(x, mean)
    let w = Tensor(zeros: [d, k], zeroed: false)
    for j in 0..<d { for a in 0..<k { w.buffer[j * k + a] = Float(axes[a][j]) } }
    let out = Tensor(zeros: [n, k], zeroed: false)
    gemm(transA: false, transB: false, m: n, n: k, k: d, a: xc.storage.base, lda: d, b: w.storage.base, ldb: k, c: out.storage.base, ldc: k)
    return out
  }

  static func centred(_ x: Tensor, _ mean: [Double]) -> Tensor {
    let n = x.shape[0], d = x.shape[1]
    let out = Tensor(zeros: [n, d], zeroed: false)
    let src = x.buffer, dst = out.buffer
    for i in 0..<n { for j in 0..<d { dst[i * d + j] = Float(Double(src[i * d + j]) - mean[j]) } }
    return out
  }

  /// Eigen-decomposition of a symmetric `n x n` matrix (row-major) by cyclic Jacobi
  /// rotations: eigenvalues and the matching unit eigenvectors.
  static func jacobi(_ m: [Double], _ n: Int) -> ([Double], [[Double]]) {
    var a = m
    var v = [Double](repeating: 0, count: n * n)
    for i in 0..<n { v[i * n + i] = 1 }
    let total = a.reduce(0) { $0 + $1 * $1 }
    for _ in 0..<100 {
      var off = 0.0
      for p in 0..<n { for q in 0..<n where p != q { off += a[p * n + q] * a[p * n + q] } }
      if off <= 1e-24 * max(total, 1e-300) { break }
      for p in 0..<(n - 1) {
        for q in (p + 1)..<n {
          let apq = a[p * n + q]
          if abs(apq) < 1e-300 { continue }
          let theta = (a[q * n + q] - a[p * n + p]) / (2 * apq)
          let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
          let c = 1 / (t * t + 1).squareRoot(), s = t * c
          // A <- Jᵀ A J on rows and columns p, q.
          for k in 0..<n {
            let akp = a[k * n + p], akq = a[k * n + q]
            a[k * n + p] = c * akp - s * akq
            a[k * n + q] = s * akp + c * akq
          }
          for k in 0..<n {
            let apk = a[p * n + k], aqk = a[q * n + k]
            a[p * n + k] = c * apk - s * aqk
            a[q * n + k] = s * apk + c * aqk
          }
          for k in 0..<n {
            let vkp = v[k * n + p], vkq = v[k * n + q]
            v[k * n + p] = c * vkp - s * vkq
            v[k * n + q] = s * vkp + c * vkq
          }
        }
      }
    }
    let values = (0..<n).map { a[$0 * n + $0] }
    let vectors = (0..<n).map { col in (0..<n).map { v[$0 * n + col] } }
    return (values, vectors)
  }

  /// Leading eigenpairs of a symmetric `n x n` matrix by orthogonal iteration on `block`
  /// vectors, refined by Rayleigh-Ritz; returns `block` pairs.
  ///
  /// Gram-Schmidt keeps the first vectors on the leading eigenvectors, so only the first
  /// `wanted` are watched; the rest of the block speeds convergence up.
  /// Stops when those Rayleigh quotients settle (relative change below 1e-10):
  /// eigen*values* converge even where a degenerate tail lets the vectors keep rotating.
  static func subspaceIteration(_ c: [Double], _ n: Int, block p: Int, wanted: Int) -> ([Double], [[Double]]) {
    // A fixed pseudo-random start keeps the result deterministic.
    var rng = RNG(seed: 0x5CA)
    var q = (0..<p).map { _ in (0..<n).map { _ in Double(rng.normal()) } }
    orthonormalize(&q)
    var last = [Double](repeating: .infinity, count: p)
    for _ in 0..<1000 {
      var z = q.map { multiply(c, n, $0) }
      let rayleigh = (0..<p).map { i in zip(q[i], z[i]).reduce(0) { $0 + $1.0 * $1.1 } }
      orthonormalize(&z)
      q = z
      let scale = max(abs(rayleigh[0]), 1e-300)
      if zip(rayleigh.prefix(wanted), last).allSatisfy({ abs($0 - $1) <= 1e-10 * scale }) { break }
      last = rayleigh
    }
    // Rayleigh-Ritz: eigen-decompose T = Qᵀ C Q and rotate the basis.
    let cq = q.map { multiply(c, n, $0) }
    var t = [Double](repeating: 0, count: p * p)
    for i in 0..<p { for j in 0..<p { t[i * p + j] = zip(q[i], cq[j]).reduce(0) { $0 + $1.0 * $1.1 } } }
    let (values, u) = jacobi(t, p)
    let vectors = u.map { coeff in (0..<n).map { r in (0..<p).reduce(0) { $0 + coeff[$1] * q[$1][r] } } }
    return (values, vectors)
  }

  /// `c x` for a row-major `n x n` matrix.
  static func multiply(_ c: [Double], _ n: Int, _ x: [Double]) -> [Double] {
    var out = [Double](repeating: 0, count: n)
    c.withUnsafeBufferPointer { cm in
      x.withUnsafeBufferPointer { xv in
        out.withUnsafeMutableBufferPointer { o in
          for i in 0..<n {
            var s = 0.0
            for j in 0..<n { s += cm[i * n + j] * xv[j] }
            o[i] = s
          }
        }
      }
    }
    return out
  }

  /// Modified Gram-Schmidt; a vector that vanishes is replaced by the first unit vector
  /// independent of the others.
  static func orthonormalize(_ q: inout [[Double]]) {
    let n = q.first?.count ?? 0
    for i in 0..<q.count {
      for attempt in 0...n {
        for j in 0..<i {
          let dot = zip(q[j], q[i]).reduce(0) { $0 + $1.0 * $1.1 }
          for r in 0..<n { q[i][r] -= dot * q[j][r] }
        }
        let norm = q[i].reduce(0) { $0 + $1 * $1 }.squareRoot()
        if norm > 1e-12 {
          q[i] = q[i].map { $0 / norm }
          break
        }
        q[i] = (0..<n).map { $0 == attempt % max(n, 1) ? 1 : 0 }
      }
    }
  }
}
