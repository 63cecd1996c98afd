/// A neural-network layer: a differentiable function with named parameters, named buffers
/// (state that is saved but not trained, such as batch-norm running statistics), named
/// children and a training flag.
///
/// Containers (`Sequential`, residual blocks) list their sublayers in `children`; the
/// recursive views (`namedParameters`, `namedBuffers`, `setTraining`) walk them in a fixed
/// order, so names such as `"3.bn1.weight"` are stable and match PyTorch's `state_dict` keys.
///
///     let layer = Sequential([Linear(784, 128, rng: &rng), ReLU(), Linear(128, 10, rng: &rng)])
///     let logits = try layer(x)
public protocol Layer: AnyObject, CustomStringConvertible {
  /// Applies the layer to a batch.
  func forward(_ x: Tensor) throws -> Tensor
  /// Direct sublayers with their names, in forward order.
  var children: [(name: String, layer: any Layer)] { get }
  /// This layer's own parameters (not its children's).
  var ownParameters: [(name: String, tensor: Tensor)] { get }
  /// This layer's own buffers.
  var ownBuffers: [(name: String, tensor: Tensor)] { get }
  /// Whether this layer (not its children) is in training mode.
  var isTraining: Bool { get set }
  /// A deep copy: new tensors with the same values, same training flag.
  func clone() -> any Layer
}

extension Layer {
  public var children: [(name: String, layer: any Layer)] { [] }
  public var ownParameters: [(name: String, tensor: Tensor)] { [] }
  public var ownBuffers: [(name: String, tensor: Tensor)] { [] }

  /// Applies the layer: `layer(x)` is `layer.forward(x)`.
  public func callAsFunction(_ x: Tensor) throws -> Tensor { try forward(x) }

  /// Every parameter in the subtree, named `child.grandchild.param`.
  public var namedParameters: [(name: String, tensor: Tensor)] {
    ownParameters + children.flatMap { c in c.layer.namedParameters.map { ("\(c.name).\($0.name)", $0.tensor) } }
  }

  /// Every buffer in the subtree, named like `namedParameters`.
  public var namedBuffers: [(name: String, tensor: Tensor)] {
    ownBuffers + children.flatMap { c in c.layer.namedBuffers.map { ("\(c.name).\($0.name)", $0.tensor) } }
  }

  /// The parameters of the subtree, in `namedParameters` order.
  public var parameters: [Tensor] { namedParameters.map(\.tensor) }

  /// Sets training mode on this layer and every descendant.
  public func setTraining(_ on: Bool) {
    isTraining = on
    for c in children { c.layer.setTraining(on) }
  }
}

/// A trainable copy of `t`: new storage, `requiresGrad` kept.
func cloneParameter(_ t: Tensor) -> Tensor { t.copy().requiringGrad(t.requiresGrad) }
