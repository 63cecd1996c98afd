/// What every generator kind implements: one optimisation step on a batch of real images
/// with their classes, and sampling images of chosen classes.
///
/// A model owns its optimiser(s), so kinds with several losses (a GAN's two players) fit
/// the same loop as a VAE. Images are float tensors `[N, C, H, W]` with values in [0, 1].
protocol GenerativeModel: AnyObject {
  /// The trainable tensors and buffers (e.g. batch-norm statistics), under stable names
  /// (for safetensors save/load).
  var namedTensors: [(name: String, tensor: Tensor)] { get }
  /// One optimisation step; returns the step's training loss (per image).
  func trainStep(images: Tensor, labels: [Int], rng: inout RNG) throws -> Double
  /// Images of the given classes, values in [0, 1]; `temperature` scales the latent noise.
  func sample(labels: [Int], temperature: Float, rng: inout RNG) throws -> Tensor
  /// The optimiser state (moments, step counts) under stable names.
  func exportOptimizerState() -> [String: Tensor]
  /// Restores state from `exportOptimizerState`; throws if it does not fit.
  func importOptimizerState(_ state: [String: Tensor]) throws
}

extension Tensor {
  /// `self` [N, C, h, w] followed by `classes` constant planes per sample, plane y = 1 for
  /// the sample's class y (how conditional generators see the class at every pixel).
  func appendingClassPlanes(labels: [Int], classes: Int) throws -> Tensor {
    guard rank == 4, shape[0] == labels.count else {
      throw RuntimeError.invalidArgument(op: "class planes", message: "\(labels.count) labels for input \(Shape.describe(shape))")
    }
    let n = labels.count, hw = shape[2] * shape[3]
    let planes = try Tensor.empty([n, classes, shape[2], shape[3]], op: "class planes", zeroed: true)
    for i in 0..<n { (planes.storage.base + (i * classes + labels[i]) * hw).update(repeating: 1, count: hw) }
    return try Tensor.concat([self, planes], axis: 1)
  }
}
