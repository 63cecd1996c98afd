extension Tensor {
  /// 2-D convolution (cross-correlation, as PyTorch's `conv2d`) of an NCHW batch.
  ///
  /// `self` is [N, Cin, H, W], `weight` [Cout, Cin, KH, KW], `bias` [Cout]; the result is
  /// [N, Cout, (H + 2·padding - KH) / stride + 1, (W + 2·padding - KW) / stride + 1].
  /// Forward and backward run through `gemm` (see `ConvKernels`).
  ///
  ///     let y = try x.conv2d(weight: w, bias: b, stride: 1, padding: 1)   // 3x3 "same"
  public func conv2d(weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Int = 0) throws -> Tensor {
    let g = try convGeometry(weight: weight, bias: bias, stride: stride, padding: padding)
    let outShape = [g.n, g.cout, g.oh, g.ow]
    try MemoryLimit.check(elements: Shape.count(outShape), op: "conv2d")
    let out = Storage(count: Shape.count(outShape), zeroed: false)
    ConvKernels.forward(x: storage.base, weight: weight.storage.base, bias: bias.map { UnsafePointer($0.storage.base) },
                        y: out.base, g)
    let x = self
    var inputs = [x, weight]
    if let bias { inputs.append(bias) }
    return Tensor.result(shape: outShape, storage: out, inputs: inputs) { dy in
      let dx = x.requiresGrad ? Tensor(zeros: x.shape, zeroed: false) : nil
      let dw = Tensor(zeros: weight.shape, zeroed: false)
      let db = bias.map { Tensor(zeros: $0.shape, zeroed: false) }
      ConvKernels.backward(x: x.storage.base, weight: weight.storage.base, dy: dy.storage.base,
                           dx: dx?.storage.base, dweight: dw.storage.base, dbias: db?.storage.base, g)
      var grads: [Tensor?] = [dx, weight.requiresGrad ? dw : nil]
      if let bias { grads.append(bias.requiresGrad ? db : nil) }
      return grads
    }
  }

  /// Checks conv2d's arguments and returns its geometry; errors name both shapes.
  func convGeometry(weight: Tensor, bias: Tensor?, stride: Int, padding: Int) throws -> ConvGeometry {
    guard rank == 4 else {
      throw RuntimeError.invalidArgument(op: "conv2d", message: "input \(Shape.describe(shape)) must be [N, C, H, W]")
    }
    guard weight.rank == 4 else {
      throw RuntimeError.invalidArgument(op: "conv2d", message: "weight \(Shape.describe(weight.shape)) must be [Cout, Cin, KH, KW]")
    }
    guard shape[1] == weight.shape[1] else {
      throw RuntimeError.invalidArgument(op: "conv2d", message: "input \(Shape.describe(shape)) has \(shape[1]) channels but the weight \(Shape.describe(weight.shape)) expects \(weight.shape[1])")
    }
    if let bias, bias.shape != [weight.shape[0]] {
      throw RuntimeError.invalidArgument(op: "conv2d", message: "bias \(Shape.describe(bias.shape)) must be [\(weight.shape[0])] for the weight \(Shape.describe(weight.shape))")
    }
    guard stride >= 1 else { throw RuntimeError.invalidArgument(op: "conv2d", message: "stride must be at least 1, got \(stride)") }
    guard padding >= 0 else { throw RuntimeError.invalidArgument(op: "conv2d", message: "padding must be non-negative, got \(padding)") }
    let g = ConvGeometry(n: shape[0], cin: shape[1], h: shape[2], w: shape[3], cout: weight.shape[0],
                         kh: weight.shape[2], kw: weight.shape[3], stride: stride, pad: padding)
    guard g.kh >= 1, g.kw >= 1, g.h + 2 * padding >= g.kh, g.w + 2 * padding >= g.kw else {
      throw RuntimeError.invalidArgument(op: "conv2d", message: "kernel \(g.kh)x\(g.kw) is larger than the padded input \(g.h + 2 * padding)x\(g.w + 2 * padding) (input \(Shape.describe(shape)), padding \(padding))")
    }
    return g
  }
}
