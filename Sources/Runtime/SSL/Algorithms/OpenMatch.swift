/// OpenMatch (Saito, Kim, Saenko, NeurIPS 2021): open-set SSL with one-vs-all (OVA) heads,
/// as in github VisionLearningGroup/OP_Match (`trainer.py`, `utils/misc.py`, `utils/parser.py`)
/// and its USB port in github nukezil/IOMatch (`semilearn/algorithms/openmatch/`).
///
/// Head "ova": Linear(F, 2K, no bias, Xavier normal), pair (k, K+k) = (outlier, inlier) of
/// class k under a two-way softmax. Loss added to the trainer's labeled cross-entropy:
///
///     L = L_ova + λ_em · L_em + λ_socr · L_socr + λ_fix · L_fix
///
/// - L_ova (labeled, Eq. 1): −log p_in(y) + max_{k≠y} −log p_out(k), batch means.
/// - L_em (unlabeled, Eq. 2): binary entropy of every OVA pair, averaged over the two views.
/// - L_socr (unlabeled, Eq. 3): mean_b Σ_k Σ_j (p_j,k(view 1) − p_j,k(view 2))².
/// - L_fix (from `startFix` on): FixMatch on the samples selected as inliers — s_b = p_out(ĉ_b)
///   < 0.5 with ĉ_b = argmax of the main head on the weak view; pseudo-label ĉ_b, mask
///   s_b ∧ max q_b ≥ τ (τ = 0 by default: every selected sample), CE on the strong view,
///   averaged over the selected samples (the original's FixMatch batch holds only those).
///
/// Defaults (OP_Match `utils/parser.py`, CIFAR-10): λ_em = 0.1, λ_socr = 0.5 (1.0 for
/// CIFAR-100), τ = 0, start_fix = 10 of 512 epochs, i.e. the first 10/512 ≈ 2% of the run
/// (USB-port configs: 5 of 256 epochs, the same fraction), T = 1.
///
/// Deviations forced by the shared trainer (one unlabeled stream with a weak and a strong view):
/// 1. SOCR and L_em use the weak and the strong view instead of two weak views, and the weak
///    view's features are detached, so the backbone gets these gradients through the strong
///    view only (the OVA head through both).
/// 2. Inliers are selected per batch on its weak view with the live model, instead of once per
///    epoch over the whole unlabeled set with the EMA model; the FixMatch term then uses the
///    selected samples of the same batch rather than a separate stream of selected samples
///    (2B in OP_Match, 7B in the USB port).
/// 3. The labeled losses use one weak view (as OP_Match; the USB port uses two).
public final class OpenMatch: SyntheticDetector {
  public let name = "openmatch"
  public let views = UnlabeledViews.weakAndStrong
  @AlgorithmOption("lambda_em", .nonNegative, doc: "weight λ_em of the open-set entropy minimisation")
  public var lambdaEM: Float = 0.1
  @AlgorithmOption("lambda_socr", .nonNegative, doc: "weight λ_socr of the soft open-set consistency")
  public var lambdaSOCR: Float = 0.5
  @AlgorithmOption("lambda_fix", .nonNegative, doc: "weight of the FixMatch term on selected inliers (1 in the paper)")
  public var lambdaFix: Float = 1
  @AlgorithmOption("tau", .unit, doc: "confidence threshold τ of the FixMatch term (OP_Match `--threshold`)")
  public var tau: Float = 0
  @AlgorithmOption("start_fix", .atLeast(0), none: "10/512 of the run", doc: "step at which inlier selection and the FixMatch term start")
  public var startFix: Int? = nil
  @AlgorithmOption("inlier_threshold", .openUnit, doc: "samples whose outlier probability for their predicted class is below this are inliers")
  public var inlierThreshold: Float = 0.5

  public init() {}

  /// The outlier score is judged against provenance at evaluation: do OpenMatch's outliers
  /// coincide with the synthetic images?
  public var detectThreshold: Float { inlierThreshold }

  public func prepare(unlabeledCount: Int, classes: Int, model: Model, rng: inout RNG) throws {
    try validate()
    var initRNG = RNG(seed: rng.next())
    if !model.hasHead(.ova) {
      try model.addHead(name: .ova, layer: xavierNormalLinear(model.featureDim, 2 * classes, bias: false, rng: &initRNG))
    }
  }

  /// The first step of the FixMatch phase for a run of `totalSteps`.
  public func fixStart(totalSteps: Int) -> Int { startFix ?? (totalSteps * 10 + 511) / 512 }

  /// Per sample, the outlier probability of its predicted class, p_out(argmax main logits).
  public func outlierScores(mainLogits: Tensor, ovaLogits: Tensor) throws -> [Float] {
    guard mainLogits.rank == 2, ovaLogits.rank == 2, mainLogits.shape[0] == ovaLogits.shape[0], mainLogits.shape[1] >= 1 else {
      throw RuntimeError.shapeMismatch(op: name, shapes: [mainLogits.shape, ovaLogits.shape], detail: "must be [N, K] and [N, 2K]")
    }
    let k = mainLogits.shape[1]
    let (_, pred) = rowMaxArgmax(try probabilities(mainLogits))
    let (out, _) = try OneVsAll.values(ovaLogits, classes: k)
    return pred.enumerated().map { out[$0.offset * k + $0.element] }
  }

  /// The inlier selection and FixMatch mask of a weak view: selected = outlier score below
  /// `inlierThreshold`; mask = selected and confidence ≥ τ; pseudo-labels = argmax.
  public func select(weakLogits: Tensor, weakOVALogits: Tensor) throws -> (selected: [Bool], mask: [Float], labels: [Int], scores: [Float]) {
    let scores = try outlierScores(mainLogits: weakLogits, ovaLogits: weakOVALogits)
    let (conf, pl) = rowMaxArgmax(try probabilities(weakLogits))
    let selected = scores.map { $0 < inlierThreshold }
    let mask: [Float] = (0..<pl.count).map { selected[$0] && conf[$0] >= tau ? 1 : 0 }
    return (selected, mask, pl, scores)
  }

  public func syntheticScores(features: Tensor, model: Model) throws -> [Float] {
    try outlierScores(mainLogits: try model.head(.main, features), ovaLogits: try model.head(.ova, features))
  }

  public func unsupervisedLoss(_ batch: SSLBatch) throws -> UnsupervisedResult {
    guard let strong = batch.strongLogits, let strongF = batch.strongFeatures else {
      throw RuntimeError.invalidArgument(op: name, message: "needs the strong view")
    }
    let model = batch.model, k = batch.classes
    let u = batch.weakLogits.shape[0]
    let ovaLabeled = try model.head(.ova, batch.labeledFeatures)
    let ovaWeak = try model.head(.ova, batch.weakFeatures.detached())
    let ovaStrong = try model.head(.ova, strongF)

    let lOVA = try OneVsAll.supervisedLoss(ovaLabeled, labels: batch.labels, classes: k)
    let lEM = try OneVsAll.entropy(ovaWeak, classes: k).add(OneVsAll.entropy(ovaStrong, classes: k)).mul(0.5)
    let lSOCR = try OneVsAll.consistency(ovaWeak, ovaStrong, classes: k)
    var loss = try lOVA.add(lEM.mul(lambdaEM)).add(lSOCR.mul(lambdaSOCR))

    let fixOn = batch.step >= fixStart(totalSteps: batch.totalSteps)
    let sel = try select(weakLogits: batch.weakLogits, weakOVALogits: ovaWeak)
    var mask = [Float](repeating: 0, count: u)
    var lFix = 0.0
    if fixOn {
      mask = sel.mask
      let nSelected = sel.selected.filter { $0 }.count
      if nSelected > 0, mask.contains(where: { $0 > 0 }) {
        // weightedCrossEntropy averages over all U rows; rescale to the mean over the selected.
        let scale = Float(u) / Float(nSelected)
        let fix = try weightedCrossEntropy(strong, targets: sel.labels, weights: mask.map { $0 * scale })
        lFix = Double(try fix.item())
        loss = try loss.add(fix.mul(lambdaFix))
      }
    }
    let rejected = sel.selected.map { !$0 }
    return UnsupervisedResult(
      loss: loss, mask: mask, pseudoLabels: sel.labels,
      terms: [("ova_loss", Double(try lOVA.item())), ("em_loss", Double(try lEM.item())),
              ("socr_loss", Double(try lSOCR.item())), ("fix_loss", lFix),
              ("inlier_rate", Double(sel.selected.filter { $0 }.count) / Double(max(u, 1)))],
      routedSynthetic: rejected, syntheticScore: sel.scores)
  }
}
