/// Batch normalisation over channels (PyTorch `nn.BatchNorm2d`): γ = 1, β = 0, running
/// mean 0 and variance 1; batch statistics in training, running statistics in evaluation.
/// `momentum` follows PyTorch (running = (1 - momentum)·running + momentum·batch).
public final class BatchNorm2d: Layer {
  public let weight: Tensor, bias: Tensor
  public let runningMean: Tensor, runningVar: Tensor
  public let momentum: Float, eps: Float
  public var isTraining = true
  /// In a data-parallel run with synchronised batch norm, the ranks whose batches share
  /// training statistics (nil: this process's batch alone). Set by the trainer.
  public var sync: Communicator?

  public init(_ channels: Int, momentum: Float = 0.1, eps: Float = 1e-5) {
    weight = Tensor(shape: [channels], values: [Float](repeating: 1, count: channels)).requiringGrad()
    bias = Tensor(zeros: [channels]).requiringGrad()
    runningMean = Tensor(zeros: [channels])
    runningVar = Tensor(shape: [channels], values: [Float](repeating: 1, count: channels))
    self.momentum = momentum
    self.eps = eps
  }

  init(weight: Tensor, bias: Tensor, runningMean: Tensor, runningVar: Tensor, momentum: Float, eps: Float) {
    self.weight = weight; self.bias = bias; self.runningMean = runningMean; self.runningVar = runningVar
    self.momentum = momentum; self.eps = eps
  }

  public func forward(_ x: Tensor) throws -> Tensor { try forward(x, activationSlope: nil) }

  /// The layer followed by a leaky ReLU (slope 0: ReLU) in one fused op.
  func forward(_ x: Tensor, activationSlope: Float?) throws -> Tensor {
    try x.batchNorm2d(gamma: weight, beta: bias, runningMean: runningMean, runningVar: runningVar,
                      training: isTraining, momentum: momentum, eps: eps, activationSlope: activationSlope, sync: sync)
  }

  public var ownParameters: [(name: String, tensor: Tensor)] { [("weight", weight), ("bias", bias)] }
  public var ownBuffers: [(name: String, tensor: Tensor)] { [("running_mean", runningMean), ("running_var", runningVar)] }

  public func clone() -> any Layer { cloned() }

  /// A deep copy with the concrete type.
  public func cloned() -> BatchNorm2d {
    let l = BatchNorm2d(weight: cloneParameter(weight), bias: cloneParameter(bias), runningMean: runningMean.copy(),
                        runningVar: runningVar.copy(), momentum: momentum, eps: eps)
    l.isTraining = isTraining
    return l
  }

  public var description: String { "BatchNorm2d(\(weight.count), momentum: \(momentum), eps: \(eps))" }
}
