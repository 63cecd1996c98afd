import Runtime

/// The sgemm reference point: GFLOP/s of one large square product through the same
/// `gemm` path every op uses.
enum GemmBench {
  /// GFLOP/s of an n x n x n product (best of `repeats`).
  static func squareGflops(n: Int = 2048, repeats: Int = 5) throws -> Double {
    var rng = RNG(seed: 1)
    let a = Tensor(shape: [n, n], values: (0..<n * n).map { _ in rng.uniform() })
    let b = Tensor(shape: [n, n], values: (0..<n * n).map { _ in rng.uniform() })
    let t = try Timing.best(repeats: repeats) { _ = try a.matmul(b) }
    return 2 * Double(n) * Double(n) * Double(n) / t / 1e9
  }
}
