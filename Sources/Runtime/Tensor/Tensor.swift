/// A dense Float32 tensor: contiguous row-major storage plus shape, and the autodiff
/// bookkeeping (`requiresGrad`, `grad`, the tape node that produced it).
///
/// Tensors are reference types so the tape can accumulate gradients into them; ops never
/// mutate their inputs. Shapes are always contiguous (transpose copies), so every kernel
/// can treat storage as a flat row-major buffer.
///
///     let x = Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
///     let w = Tensor.randn([3, 4], rng: &rng).requiringGrad()
///     let loss = try x.matmul(w).sum()
///     try loss.backward()      // w.grad now holds d loss / d w
public final class Tensor: @unchecked Sendable {
  /// Sizes of each dimension; `[]` is a scalar.
  public let shape: [Int]
  /// The elements, row-major. Shared by views that only reshape.
  public let storage: Storage
  /// Whether gradients flow to this tensor (a parameter, or computed from one).
  public var requiresGrad: Bool
  /// The accumulated gradient after `backward()` (leaves only, as in PyTorch).
  public var grad: Tensor?
  /// The tape entry that produced this tensor; `nil` for leaves and for results
  /// computed without grad.
  var node: TapeNode?

  /// Wraps existing storage; `storage.count` must equal the shape's element count.
  public init(shape: [Int], storage: Storage, requiresGrad: Bool = false) {
    self.shape = shape
    self.storage = storage
    self.requiresGrad = requiresGrad
  }

  /// A zero-filled (or, with `zeroed: false`, uninitialised) tensor.
  public convenience init(zeros shape: [Int], zeroed: Bool = true) {
    self.init(shape: shape, storage: Storage(count: Shape.count(shape), zeroed: zeroed))
  }

  /// A tensor from row-major values; the caller guarantees `values.count == count(shape)`.
  public convenience init(shape: [Int], values: [Float]) {
    self.init(zeros: shape, zeroed: false)
    values.withUnsafeBufferPointer { src in
      storage.base.update(from: src.baseAddress!, count: Swift.min(src.count, storage.count))
    }
  }

  /// A scalar tensor.
  public convenience init(scalar: Float) { self.init(shape: [], values: [scalar]) }

  /// Number of elements.
  @inline(__always) public var count: Int { storage.count }
  /// Number of dimensions.
  @inline(__always) public var rank: Int { shape.count }
  /// Row-major strides (in elements).
  public var strides: [Int] { Shape.strides(shape) }
  /// Whether this tensor was created by the user rather than by an op.
  public var isLeaf: Bool { node == nil }

  /// The elements as a mutable buffer (hot loops use this, not `[Float]`).
  @inline(__always) public var buffer: UnsafeMutableBufferPointer<Float> { storage.buffer }
  /// A copy of the elements as an array (for tests, display and I/O).
  public var values: [Float] { Array(storage.buffer) }

  /// The single value of a one-element tensor.
  public func item() throws -> Float {
    guard count == 1 else {
      throw RuntimeError.invalidArgument(op: "item", message: "expected a tensor with one element, got shape \(Shape.describe(shape))")
    }
    return storage.base[0]
  }

  /// Marks this leaf as a parameter and returns it.
  @discardableResult public func requiringGrad(_ on: Bool = true) -> Tensor {
    requiresGrad = on
    return self
  }

  /// The same values, cut from the tape (shares storage).
  public func detached() -> Tensor { Tensor(shape: shape, storage: storage) }

  /// A deep copy of the values (no grad, new storage).
  public func copy() -> Tensor {
    let t = Tensor(zeros: shape, zeroed: false)
    t.storage.base.update(from: storage.base, count: count)
    return t
  }

  /// Creates an op result and records it on the tape when grad is enabled and any input
  /// requires grad. `backward` receives the gradient of the result and returns one
  /// gradient (or nil) per input, in the order of `inputs`.
  static func result(
    shape: [Int], storage: Storage, inputs: [Tensor],
    backward: @escaping (_ gradOutput: Tensor) throws -> [Tensor?]
  ) -> Tensor {
    let t = Tensor(shape: shape, storage: storage)
    if GradMode.isEnabled, inputs.contains(where: { $0.requiresGrad }) {
      t.requiresGrad = true
      t.node = TapeNode(inputs: inputs, backward: backward)
    }
    return t
  }
}
