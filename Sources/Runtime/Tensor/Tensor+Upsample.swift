extension Tensor {
  /// Nearest-neighbour upsampling by 2 of an NCHW batch: [N, C, H, W] -> [N, C, 2H, 2W],
  /// each pixel copied into a 2x2 block (PyTorch's `F.interpolate(scale_factor=2)`).
  ///
  /// The gradient of an input pixel is the sum of the gradients of its four copies.
  ///
  ///     let y = try x.upsample2x()   // [8, 64, 7, 7] -> [8, 64, 14, 14]
  public func upsample2x() throws -> Tensor {
    guard rank == 4 else {
      throw RuntimeError.invalidArgument(op: "upsample2x", message: "input \(Shape.describe(shape)) must be [N, C, H, W]")
    }
    let planes = shape[0] * shape[1], h = shape[2], w = shape[3]
    let outShape = [shape[0], shape[1], 2 * h, 2 * w]
    try Shape.validate(outShape, op: "upsample2x")
    let out = try Tensor.allocate(Shape.count(outShape), op: "upsample2x")
    UpsampleKernels.forward(storage.base, out.base, planes: planes, h: h, w: w)
    let x = self
    return Tensor.result(shape: outShape, storage: out, inputs: [x]) { dy in
      let dx = try Tensor.empty(x.shape, op: "upsample2x")
      UpsampleKernels.backward(dy.storage.base, dx.storage.base, planes: planes, h: h, w: w)
      return [dx]
    }
  }
}
