/// What every generator kind implements: one optimisation step on a batch of real images
/// with their classes, and sampling images of chosen classes.
///
/// A model owns its optimiser(s), so kinds with several losses (a GAN's two players) fit
/// the same loop as a VAE. Images are float tensors `[N, C, H, W]` with values in [0, 1].
protocol GenerativeModel: AnyObject {
  /// The trainable tensors, under stable names (for safetensors save/load).
  var namedParameters: [(name: String, tensor: Tensor)] { get }
  /// One optimisation step; returns the step's training loss (per image).
  func trainStep(images: Tensor, labels: [Int], rng: inout RNG) throws -> Double
  /// Images of the given classes, values in [0, 1]; `temperature` scales the latent noise.
  func sample(labels: [Int], temperature: Float, rng: inout RNG) throws -> Tensor
  /// The optimiser state (moments, step counts) under stable names.
  func exportOptimizerState() -> [String: Tensor]
  /// Restores state from `exportOptimizerState`; throws if it does not fit.
  func importOptimizerState(_ state: [String: Tensor]) throws
}
