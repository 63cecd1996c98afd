/// FixMatch (Sohn et al., NeurIPS 2020), as in USB `algorithms/fixmatch/fixmatch.py`.
///
/// mask_b = 1[max q_b ≥ τ], q_b = softmax(weak logits) (detached), c_b = argmax q_b;
/// L_u = λ_u · (1/U) Σ_b mask_b · CE(strong_b, c_b). Hard pseudo-labels.
/// Defaults: τ = 0.95, λ_u = 1 (USB classic CV configs).
public final class FixMatch: SSLAlgorithm {
  public let name = "fixmatch"
  public let views = UnlabeledViews.weakAndStrong
  @AlgorithmOption("tau", .unit, doc: "confidence threshold τ of the weak-view prediction")
  public var tau: Float = 0.95
  @AlgorithmOption("lambda_u", .nonNegative, doc: "weight λ_u of the unlabeled loss")
  public var lambdaU: Float = 1

  /// Options left nil keep their declared defaults.
  public init(tau: Float? = nil, lambdaU: Float? = nil) {
    if let tau { self.tau = tau }
    if let lambdaU { self.lambdaU = lambdaU }
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
