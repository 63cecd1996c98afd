/// A 2-D convolution layer over NCHW batches, weight [out, in, k, k], initialised as
/// PyTorch's `nn.Conv2d` (U(±1/√(in·k·k)) for weight and bias).
public final class Conv2d: Layer {
  public let weight: Tensor
  public let bias: Tensor?
  public let stride: Int, padding: Int
  public var isTraining = true

  /// A layer with PyTorch's default initialisation.
  public init(_ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
              bias: Bool = true, rng: inout RNG) {
    let bound = Init.defaultBound(fanIn: inChannels * kernel * kernel)
    weight = Init.uniform([outChannels, inChannels, kernel, kernel], bound: bound, rng: &rng).requiringGrad()
    self.bias = bias ? Init.uniform([outChannels], bound: bound, rng: &rng).requiringGrad() : nil
    self.stride = stride
    self.padding = padding
  }

  /// A layer over given tensors.
  public init(weight: Tensor, bias: Tensor?, stride: Int, padding: Int) {
    self.weight = weight; self.bias = bias; self.stride = stride; self.padding = padding
  }

  public func forward(_ x: Tensor) throws -> Tensor {
    try x.conv2d(weight: weight, bias: bias, stride: stride, padding: padding)
  }

  public var ownParameters: [(name: String, tensor: Tensor)] {
    [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
  }

  public func clone() -> any Layer { cloned() }

  /// A deep copy with the concrete type.
  public func cloned() -> Conv2d {
    let l = Conv2d(weight: cloneParameter(weight), bias: bias.map(cloneParameter), stride: stride, padding: padding)
    l.isTraining = isTraining
    return l
  }

  public var description: String {
    "Conv2d(\(weight.shape[1]), \(weight.shape[0]), kernel: \(weight.shape[2]), stride: \(stride), padding: \(padding)\(bias == nil ? ", bias: false" : ""))"
  }
}
