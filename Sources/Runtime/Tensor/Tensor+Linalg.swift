extension Tensor {
  /// Matrix product of 2-D tensors: `[m, k] @ [k, n] -> [m, n]`, through `cblas_sgemm`.
  ///
  /// Backward: dA = dC · Bᵀ, dB = Aᵀ · dC.
  public func matmul(_ other: Tensor) throws -> Tensor {
    let a = self, b = other
    guard a.rank == 2, b.rank == 2, a.shape[1] == b.shape[0] else {
      throw RuntimeError.shapeMismatch(op: "matmul", shapes: [a.shape, b.shape], detail: "do not align")
    }
    let m = a.shape[0], k = a.shape[1], n = b.shape[1]
    try MemoryLimit.check(elements: m * n, op: "matmul")
    let out = Storage(count: m * n, zeroed: false)
    gemm(transA: false, transB: false, m: m, n: n, k: k, a: a.storage.base, lda: k, b: b.storage.base, ldb: n, c: out.base, ldc: n)
    return Tensor.result(shape: [m, n], storage: out, inputs: [a, b]) { g in
      var da: Tensor? = nil, db: Tensor? = nil
      if a.requiresGrad {
        let t = Tensor(zeros: [m, k], zeroed: false)
        gemm(transA: false, transB: true, m: m, n: k, k: n, a: g.storage.base, lda: n, b: b.storage.base, ldb: n, c: t.storage.base, ldc: k)
        da = t
      }
      if b.requiresGrad {
        let t = Tensor(zeros: [k, n], zeroed: false)
        gemm(transA: true, transB: false, m: k, n: n, k: m, a: a.storage.base, lda: k, b: g.storage.base, ldb: n, c: t.storage.base, ldc: n)
        db = t
      }
      return [da, db]
    }
  }
}
