extension Tensor {
  /// Max pooling over `kernel` x `kernel` windows of an NCHW batch (no padding; output size
  /// rounds down). `stride` defaults to `kernel`.
  public func maxPool2d(kernel: Int, stride: Int? = nil) throws -> Tensor {
    let g = try poolGeometry(op: "maxPool2d", kernel: kernel, stride: stride ?? kernel)
    let outShape = [shape[0], shape[1], g.oh, g.ow]
    let outCount = Shape.count(outShape)
    try MemoryLimit.check(elements: outCount * 2, op: "maxPool2d")
    let out = Storage(count: outCount, zeroed: false)
    let argmax = UnsafeMutablePointer<Int32>.allocate(capacity: Swift.max(outCount, 1))
    let indices = IndexBuffer(argmax)
    PoolKernels.maxForward(storage.base, out.base, argmax: argmax, g)
    let x = self
    return Tensor.result(shape: outShape, storage: out, inputs: [x]) { dy in
      let dx = Tensor(zeros: x.shape, zeroed: false)
      PoolKernels.maxBackward(dy.storage.base, argmax: indices.base, dx.storage.base, g)
      return [dx]
    }
  }

  /// Average pooling over `kernel` x `kernel` windows (no padding). `stride` defaults to `kernel`.
  public func avgPool2d(kernel: Int, stride: Int? = nil) throws -> Tensor {
    let g = try poolGeometry(op: "avgPool2d", kernel: kernel, stride: stride ?? kernel)
    let outShape = [shape[0], shape[1], g.oh, g.ow]
    try MemoryLimit.check(elements: Shape.count(outShape), op: "avgPool2d")
    let out = Storage(count: Shape.count(outShape), zeroed: false)
    PoolKernels.avgForward(storage.base, out.base, g)
    let x = self
    return Tensor.result(shape: outShape, storage: out, inputs: [x]) { dy in
      let dx = Tensor(zeros: x.shape, zeroed: false)
      PoolKernels.avgBackward(dy.storage.base, dx.storage.base, g)
      return [dx]
    }
  }

  /// The mean over each channel's plane: [N, C, H, W] -> [N, C].
  public func globalAvgPool() throws -> Tensor {
    guard rank == 4 else {
      throw RuntimeError.invalidArgument(op: "globalAvgPool", message: "input \(Shape.describe(shape)) must be [N, C, H, W]")
    }
    let planes = shape[0] * shape[1], hw = shape[2] * shape[3]
    guard hw > 0 else {
      throw RuntimeError.invalidArgument(op: "globalAvgPool", message: "input \(Shape.describe(shape)) has empty planes")
    }
    let out = Storage(count: planes, zeroed: false)
    PoolKernels.globalAvgForward(storage.base, out.base, planes: planes, hw: hw)
    let x = self
    return Tensor.result(shape: [shape[0], shape[1]], storage: out, inputs: [x]) { dy in
      let dx = Tensor(zeros: x.shape, zeroed: false)
      PoolKernels.globalAvgBackward(dy.storage.base, dx.storage.base, planes: planes, hw: hw)
      return [dx]
    }
  }

  func poolGeometry(op: String, kernel: Int, stride: Int) throws -> PoolGeometry {
    guard rank == 4 else {
      throw RuntimeError.invalidArgument(op: op, message: "input \(Shape.describe(shape)) must be [N, C, H, W]")
    }
    guard kernel >= 1, stride >= 1 else {
      throw RuntimeError.invalidArgument(op: op, message: "kernel and stride must be at least 1, got kernel \(kernel), stride \(stride)")
    }
    guard shape[2] >= kernel, shape[3] >= kernel else {
      throw RuntimeError.invalidArgument(op: op, message: "kernel \(kernel) is larger than the input \(Shape.describe(shape))")
    }
    // Max pooling records each maximum's in-plane offset as an Int32.
    guard shape[2] * shape[3] <= Int(Int32.max) else {
      throw RuntimeError.invalidArgument(op: op, message: "planes of more than \(Int32.max) values are not supported, got \(Shape.describe(shape))")
    }
    return PoolGeometry(planes: shape[0] * shape[1], h: shape[2], w: shape[3], k: kernel, stride: stride)
  }
}

/// Owns the argmax indices of a max-pool result until its tape node is freed.
final class IndexBuffer: @unchecked Sendable {
  let base: UnsafeMutablePointer<Int32>
  init(_ base: UnsafeMutablePointer<Int32>) { self.base = base }
  deinit { base.deallocate() }
}
