extension Tensor {
  /// New storage for an op result, checked against the memory budget first so a huge
  /// request is an error naming `op` rather than an out-of-memory kill.
  static func allocate(_ count: Int, op: String, zeroed: Bool = false) throws -> Storage {
    try MemoryLimit.check(elements: count, op: op)
    return Storage(count: count, zeroed: zeroed)
  }

  /// A new tensor of `shape` (no grad), checked against the memory budget.
  static func empty(_ shape: [Int], op: String, zeroed: Bool = false) throws -> Tensor {
    Tensor(shape: shape, storage: try allocate(Shape.count(shape), op: op, zeroed: zeroed))
  }

  /// Applies a gradient element function `op(g[i], saved[i])` over same-shape buffers.
  static func gradMap<Op: BinaryKernelOp>(_ op: Op, _ g: Tensor, _ saved: Storage, op name: String) throws -> Tensor {
    let out = try empty(g.shape, op: name)
    mapBinary(op, g.storage.base, saved.base, out.storage.base, g.count)
    return out
  }

  /// The gradient `self` (shaped like a broadcast result) summed back to `shape`.
  func sumTo(_ shape: [Int]) throws -> Tensor {
    if shape == self.shape { return self }
    let out = try Tensor.empty(shape, op: "backward")
    sumToShape(storage.base, self.shape, out.storage.base, shape)
    return out
  }
}
