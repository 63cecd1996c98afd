/// A fully connected layer: y = x·Wᵀ + b with W [out, in] (PyTorch layout), initialised as
/// PyTorch's `nn.Linear` (U(±1/√in) for weight and bias).
public final class Linear: Layer {
  public let weight: Tensor
  public let bias: Tensor?
  public var isTraining = true

  /// A layer with PyTorch's default initialisation.
  public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, rng: inout RNG) {
    let bound = Init.defaultBound(fanIn: inFeatures)
    weight = Init.uniform([outFeatures, inFeatures], bound: bound, rng: &rng).requiringGrad()
    self.bias = bias ? Init.uniform([outFeatures], bound: bound, rng: &rng).requiringGrad() : nil
  }

  /// A layer over given tensors (weight [out, in], bias [out]).
  public init(weight: Tensor, bias: Tensor?) {
    self.weight = weight
    self.bias = bias
  }

  public var inFeatures: Int { weight.shape[1] }
  public var outFeatures: Int { weight.shape[0] }

  public func forward(_ x: Tensor) throws -> Tensor {
    guard x.rank == 2, x.shape[1] == inFeatures else {
      throw RuntimeError.invalidArgument(op: "Linear", message: "input \(Shape.describe(x.shape)) must be [N, \(inFeatures)]")
    }
    return try x.linear(weight: weight, bias: bias)
  }

  public var ownParameters: [(name: String, tensor: Tensor)] {
    [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
  }

  public func clone() -> any Layer {
    let l = Linear(weight: cloneParameter(weight), bias: bias.map(cloneParameter))
    l.isTraining = isTraining
    return l
  }

  public var description: String { "Linear(\(inFeatures), \(outFeatures)\(bias == nil ? ", bias: false" : ""))" }
}
