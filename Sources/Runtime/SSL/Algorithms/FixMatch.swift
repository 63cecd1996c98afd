/// FixMatch (Sohn et al., NeurIPS 2020), as in USB `algorithms/fixmatch/fixmatch.py`.
///
/// mask_b = 1[max q_b ≥ τ], q_b = softmax(weak logits) (detached), c_b = argmax q_b;
/// L_u = λ_u · (1/U) Σ_b mask_b · CE(strong_b, c_b). Hard pseudo-labels.
/// Defaults: τ = 0.95, λ_u = 1 (USB classic CV configs).
public final class FixMatch: SSLAlgorithm {
  public let name = "fixmatch"
  public let views = UnlabeledViews.weakAndStrong
  /// Confidence threshold τ.
  public var tau: Float
  /// Weight λ_u of the unlabeled loss.
  public var lambdaU: Float
  public var options: [(String, String)] { [("tau", "\(tau)"), ("lambda_u", "\(lambdaU)")] }

  public init(tau: Float = 0.95, lambdaU: Float = 1) {
    self.tau = tau
    self.lambdaU = lambdaU
  }

  /// The fixed-threshold mask and pseudo-labels of weak-view logits.
  public func mask(weakLogits: Tensor) throws -> (mask: [Float], labels: [Int]) {
    let (conf, pl) = rowMaxArgmax(try probabilities(weakLogits))
    return (conf.map { $0 >= tau ? 1 : 0 }, pl)
  }

  public func unsupervisedLoss(_ batch: SSLBatch) throws -> UnsupervisedResult {
    guard let strong = batch.strongLogits else {
      throw RuntimeError.invalidArgument(op: name, message: "needs the strong view")
    }
    let (m, pl) = try mask(weakLogits: batch.weakLogits)
    let loss = try weightedCrossEntropy(strong, targets: pl, weights: m).mul(lambdaU)
    return UnsupervisedResult(loss: loss, mask: m, pseudoLabels: pl)
  }
}
