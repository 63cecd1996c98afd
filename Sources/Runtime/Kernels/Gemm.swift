import CBLAS
import Synchronization

/// The only place that calls BLAS. Row-major single-precision GEMM:
/// C[m, n] = alpha * op(A)[m, k] * op(B)[k, n] + beta * C[m, n].
///
/// `lda`, `ldb`, `ldc` are the row strides of A, B, C as stored (before transposition).
@inline(__always)
func gemm(
  transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
  alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
  b: UnsafePointer<Float>, ldb: Int,
  beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
) {
  if m == 0 || n == 0 { return }
  if k == 0 {
    // BLAS leaves C untouched when k = 0 only for beta = 1; make beta's meaning explicit.
    if beta == 0 { for i in 0..<m { (c + i * ldc).update(repeating: 0, count: n) } }
    else if beta != 1 { for i in 0..<m { for j in 0..<n { c[i * ldc + j] *= beta } } }
    return
  }
  cblas_sgemm(
    CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

/// BLAS threading: OpenBLAS's own pool. Benchmarks and the trainer set it explicitly.
public enum BLASThreads {
  /// The number of threads OpenBLAS uses.
  public static var count: Int {
    get { Int(openblas_get_num_threads()) }
    set { openblas_set_num_threads(Int32(max(1, newValue))) }
  }

  /// Runs `body` with OpenBLAS limited to one thread, then restores the previous count.
  ///
  /// Kernels that split a batch over their own workers (`Parallel.forEach`) call gemm from
  /// several threads at once; each call must then stay on its caller's thread, otherwise
  /// OpenBLAS would oversubscribe the cores. OpenBLAS 0.3.x is safe for concurrent callers
  /// in this mode. Regions entered from several threads at once share one saved count
  /// (the first entrant saves it, the last one out restores it).
  static func withSingleThread<T>(_ body: () throws -> T) rethrows -> T {
    singleThreadRegions.withLock { state in
      if state.depth == 0 {
        state.saved = openblas_get_num_threads()
        openblas_set_num_threads(1)
      }
      state.depth += 1
    }
    defer {
      singleThreadRegions.withLock { state in
        state.depth -= 1
        if state.depth == 0 { openblas_set_num_threads(state.saved) }
      }
    }
    return try body()
  }

  private static let singleThreadRegions = Mutex<(depth: Int, saved: Int32)>((0, 1))
}

/// Naive twin of `gemm` for kernel tests (no transposes; row-major).
func gemmReference(m: Int, n: Int, k: Int, a: [Float], b: [Float]) -> [Float] {
  var c = [Float](repeating: 0, count: m * n)
  for i in 0..<m { for j in 0..<n {
    var s: Double = 0
    for p in 0..<k { s += Double(a[i * k + p]) * Double(b[p * n + j]) }
    c[i * n + j] = Float(s)
  } }
  return c
}
