extension Tensor {
  /// The affine map of a linear layer: `self` [N, in] · weightᵀ + bias, with `weight`
  /// [out, in] (PyTorch's layout) and `bias` [out]; one gemm forward, two backward.
  ///
  /// Backward: dx = dy · W, dW = dyᵀ · x, db = Σ_n dy.
  public func linear(weight: Tensor, bias: Tensor? = nil) throws -> Tensor {
    guard rank == 2, weight.rank == 2, shape[1] == weight.shape[1] else {
      throw RuntimeError.shapeMismatch(op: "linear", shapes: [shape, weight.shape], detail: "do not fit (input [N, in] and weight [out, in] expected)")
    }
    let n = shape[0], k = shape[1], m = weight.shape[0]
    if let bias, bias.shape != [m] {
      throw RuntimeError.invalidArgument(op: "linear", message: "bias \(Shape.describe(bias.shape)) must be [\(m)] for the weight \(Shape.describe(weight.shape))")
    }
    let out = try Tensor.allocate(n * m, op: "linear")
    gemm(transA: false, transB: true, m: n, n: m, k: k, a: storage.base, lda: k, b: weight.storage.base, ldb: k, c: out.base, ldc: m)
    if let bias {
      let b = bias.storage.base
      for i in 0..<n {
        let row = out.base + i * m
        for j in 0..<m { row[j] += b[j] }
      }
    }
    let x = self
    var inputs = [x, weight]
    if let bias { inputs.append(bias) }
    return Tensor.result(shape: [n, m], storage: out, inputs: inputs) { dy in
      var dx: Tensor? = nil
      if x.requiresGrad {
        let t = try Tensor.empty([n, k], op: "linear")
        gemm(transA: false, transB: false, m: n, n: k, k: m, a: dy.storage.base, lda: m, b: weight.storage.base, ldb: k, c: t.storage.base, ldc: k)
        dx = t
      }
      var dw: Tensor? = nil
      if weight.requiresGrad {
        let t = try Tensor.empty([m, k], op: "linear")
        gemm(transA: true, transB: false, m: m, n: k, k: n, a: dy.storage.base, lda: m, b: x.storage.base, ldb: k, c: t.storage.base, ldc: k)
        dw = t
      }
      var grads: [Tensor?] = [dx, dw]
      if let bias {
        if bias.requiresGrad {
          let t = try Tensor.empty([m], op: "linear", zeroed: true)
          let d = t.storage.base
          for i in 0..<n {
            let row = dy.storage.base + i * m
            for j in 0..<m { d[j] += row[j] }
          }
          grads.append(t)
        } else {
          grads.append(nil)
        }
      }
      return grads
    }
  }
}
