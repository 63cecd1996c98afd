/// An optimizer updates parameters in place from their accumulated `grad`.
///
/// Parameters without a gradient (not reached by the last backward) are skipped, as in
/// PyTorch. State (momentum buffers, moments) can be exported for checkpoints and imported
/// to resume exactly.
///
///     let opt = SGD(parameters: model.parameters, lr: 0.03, noDecay: model.noDecayParameters)
///     opt.zeroGrad(); try loss.backward(); try opt.step()
public protocol Optimizer: AnyObject {
  /// The learning rate of the next `step()`; schedules set it before each step.
  var lr: Float { get set }
  /// The tensors this optimizer updates, in a fixed order (state is keyed by position).
  var parameters: [Tensor] { get }
  /// Applies one update from the current gradients.
  func step() throws
  /// State tensors keyed by name (e.g. `momentum.3`), copies for a checkpoint.
  func exportState() -> [String: Tensor]
  /// Restores state exported by the same kind of optimizer over parameters of the same shapes.
  func importState(_ state: [String: Tensor]) throws
}

extension Optimizer {
  /// Clears every parameter's gradient (PyTorch's `zero_grad(set_to_none=True)`).
  public func zeroGrad() {
    for p in parameters { p.grad = nil }
  }

  /// Checks a state tensor against a parameter's shape, naming both on mismatch.
  func checkedState(_ state: [String: Tensor], _ key: String, like p: Tensor, op: String) throws -> Tensor? {
    guard let t = state[key] else { return nil }
    guard t.shape == p.shape else {
      throw RuntimeError.shapeMismatch(op: op, shapes: [t.shape, p.shape], detail: "differ: saved state \(key) does not fit its parameter")
    }
    return t.copy()
  }
}
