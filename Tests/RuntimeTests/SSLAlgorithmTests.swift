import XCTest
import Foundation
@testable import Runtime
import TestSupport

/// Masking and weighting rules of each algorithm on hand-made logits.
final class SSLAlgorithmTests: XCTestCase {
  /// Two-class logits whose softmax confidence for class `c` is exactly `p`.
  func logits(_ rows: [(p: Double, c: Int)]) -> Tensor {
    var v: [Float] = []
    for (p, c) in rows {
      let d = Float(Foundation.log(p / (1 - p)))
      v += c == 0 ? [d, 0] : [0, d]
    }
    return Tensor(shape: [rows.count, 2], values: v)
  }

  func testFixMatchMaskAtThresholdEdges() throws {
    let fm = FixMatch(tau: 0.95)
    let (m, pl) = try fm.mask(weakLogits: logits([(0.96, 0), (0.94, 1), (0.9501, 1), (0.5001, 0)]))
    XCTAssertEqual(m, [1, 0, 1, 0])
    XCTAssertEqual(pl, [0, 1, 1, 0])
  }

  func testFixMatchLossIsMaskedMeanOverAllSamples() throws {
    let fm = FixMatch(tau: 0.95, lambdaU: 2)
    let weak = logits([(0.99, 0), (0.6, 1)])
    let strong = Tensor(shape: [2, 2], values: [1, 2, 3, 0]).requiringGrad()
    let model = try Model.mlp([2, 2])
    let batch = SSLBatch(step: 0, totalSteps: 10, classes: 2, labeledLogits: weak, labels: [0, 0], weakLogits: weak,
                         strongLogits: strong, labeledFeatures: weak, weakFeatures: weak, strongFeatures: weak,
                         unlabeledIndices: [0, 1], unlabeledCount: 2, model: model)
    let r = try fm.unsupervisedLoss(batch)
    // Only sample 0 is masked (pseudo-label 0): CE([1, 2], 0) = log(e^1 + e^2) - 1; mean over 2 samples; x λ_u = 2.
    let ce0 = Foundation.log(Foundation.exp(1.0) + Foundation.exp(2.0)) - 1
    XCTAssertEqual(Double(try r.loss.item()), 2 * ce0 / 2, accuracy: 1e-5)
    try r.loss.backward()
    // The unmasked sample gets no gradient.
    XCTAssertEqual(strong.grad!.values[2], 0)
    XCTAssertEqual(strong.grad!.values[3], 0)
    XCTAssertNotEqual(strong.grad!.values[0], 0)
  }

  func testFlexMatchWarmsUpClasswiseThresholds() throws {
    let fx = FlexMatch(tau: 0.95)
    var rng = RNG(seed: 0)
    try fx.prepare(unlabeledCount: 4, classes: 2, model: try Model.mlp([2, 2]), rng: &rng)
    // Start: β = 0, so every sample passes (threshold 0).
    XCTAssertEqual(fx.threshold(forClass: 0), 0)
    let (m1, _) = try fx.mask(weakLogits: logits([(0.97, 0), (0.6, 1)]), indices: [0, 1])
    XCTAssertEqual(m1, [1, 1])
    // Sample 0 was confident: ŷ[0] = 0. σ(0) = 1, σ(1) = 0, σ(−1) = 3 -> β(0) = 1/3 (warm-up), β(1) = 0.
    XCTAssertEqual(fx.selected, [0, -1, -1, -1])
    XCTAssertEqual(fx.classwiseAcc[0], 1.0 / 3.0, accuracy: 1e-6)
    XCTAssertEqual(fx.classwiseAcc[1], 0)
    // Class-0 threshold: 0.95 · (1/3) / (2 − 1/3) = 0.19.
    XCTAssertEqual(fx.threshold(forClass: 0), 0.19, accuracy: 1e-6)
    let (m2, _) = try fx.mask(weakLogits: logits([(0.6, 0), (0.6, 1)]), indices: [2, 3])
    XCTAssertEqual(m2, [1, 1])
    // Without warm-up, β normalises by the largest class count only.
    let nw = FlexMatch(tau: 0.95, thresholdWarmup: false)
    try nw.prepare(unlabeledCount: 4, classes: 2, model: try Model.mlp([2, 2]), rng: &rng)
    _ = try nw.mask(weakLogits: logits([(0.97, 0), (0.6, 1)]), indices: [0, 1])
    XCTAssertEqual(nw.classwiseAcc, [1, 0])
    XCTAssertEqual(nw.threshold(forClass: 0), 0.95, accuracy: 1e-6)
  }

  func testFreeMatchUpdatesStatisticsBeforeMasking() throws {
    let fr = FreeMatch()
    var rng = RNG(seed: 0)
    try fr.prepare(unlabeledCount: 0, classes: 2, model: try Model.mlp([2, 2]), rng: &rng)
    let (m, _) = try fr.mask(weakLogits: logits([(0.9, 0), (0.7, 1)]))
    // τ_g = 0.999·0.5 + 0.001·0.8; p̃ = 0.999·0.5 + 0.001·mean q.
    XCTAssertEqual(Double(fr.tauG), 0.999 * 0.5 + 0.001 * 0.8, accuracy: 1e-6)
    XCTAssertEqual(Double(fr.pModel[0]), 0.999 * 0.5 + 0.001 * (0.9 + 0.3) / 2, accuracy: 1e-6)
    XCTAssertEqual(Double(fr.labelHist[0]), 0.999 * 0.5 + 0.001 * 0.5, accuracy: 1e-6)
    // Thresholds ≈ 0.5 · p̃(c)/max p̃: both confidences pass.
    XCTAssertEqual(m, [1, 1])
    let (m2, _) = try fr.mask(weakLogits: logits([(0.55, 1)]))
    XCTAssertEqual(m2, [1])  // 0.55 ≥ ~0.5
  }

  func testFreeMatchFairnessLossMatchesFormula() throws {
    let fr = FreeMatch()
    var rng = RNG(seed: 0)
    try fr.prepare(unlabeledCount: 0, classes: 2, model: try Model.mlp([2, 2]), rng: &rng)
    let strong = Tensor(shape: [2, 2], values: [2, 0, 0, 1])
    let lf = try fr.fairnessLoss(strong: strong, mask: [1, 1])
    // Uniform p̃ and h: A = (0.5, 0.5). Predictions 0 and 1: ĥ = (0.5, 0.5), so B = SumNorm(mean r).
    let r0 = [Foundation.exp(2.0) / (Foundation.exp(2.0) + 1), 1 / (Foundation.exp(2.0) + 1)]
    let r1 = [1 / (1 + Foundation.exp(1.0)), Foundation.exp(1.0) / (1 + Foundation.exp(1.0))]
    let mean = [(r0[0] + r1[0]) / 2, (r0[1] + r1[1]) / 2]
    let expect = 0.5 * Foundation.log(mean[0] + 1e-12) + 0.5 * Foundation.log(mean[1] + 1e-12)
    XCTAssertEqual(Double(try lf.item()), expect, accuracy: 1e-5)
  }

  func testSoftMatchWeightsFollowTruncatedGaussian() throws {
    let sm = SoftMatch()
    var rng = RNG(seed: 0)
    try sm.prepare(unlabeledCount: 0, classes: 2, model: try Model.mlp([2, 2]), rng: &rng)
    let (w, pl) = try sm.weights(weakLogits: logits([(0.9, 0), (0.6, 1)]))
    // First step: p_m = mean q = (0.65, 0.35); aligned max probabilities:
    let pm = [0.65, 0.35]
    func aligned(_ q: [Double]) -> Double {
      let r = q.enumerated().map { $0.element * (0.5 + 1e-6) / (pm[$0.offset] + 1e-6) }
      return r.max()! / r.reduce(0, +)
    }
    let a = [aligned([0.9, 0.1]), aligned([0.4, 0.6])]
    let mu = 0.999 * 0.5 + 0.001 * (a[0] + a[1]) / 2
    let mean = (a[0] + a[1]) / 2
    let variance = 0.999 * 1 + 0.001 * ((a[0] - mean) * (a[0] - mean) + (a[1] - mean) * (a[1] - mean))
    XCTAssertEqual(Double(sm.muT), mu, accuracy: 1e-5)
    XCTAssertEqual(Double(sm.varT), variance, accuracy: 1e-5)
    for k in 0..<2 {
      let d = min(a[k] - mu, 0)
      XCTAssertEqual(Double(w[k]), Foundation.exp(-d * d / (2 * variance / 4)), accuracy: 1e-5)
    }
    XCTAssertEqual(pl, [0, 1])  // argmax of the unaligned probabilities
  }

  func testPseudoLabelRamp() {
    let p = PseudoLabel()
    XCTAssertEqual(p.weight(step: 0, total: 100), 0)
    XCTAssertEqual(p.weight(step: 20, total: 100), 0.5, accuracy: 1e-6)
    XCTAssertEqual(p.weight(step: 60, total: 100), 1)
  }

  func testDetectionMetrics() {
    let m = DetectionMetrics.compute(scores: [0.9, 0.8, 0.3, 0.2, 0.6], truth: [true, true, false, false, false], threshold: 0.5)
    let d = Dictionary(uniqueKeysWithValues: m)
    XCTAssertEqual(d["precision"]!, 2.0 / 3.0, accuracy: 1e-9)
    XCTAssertEqual(d["recall"]!, 1)
    XCTAssertEqual(d["auc"]!, 1)
    XCTAssertEqual(DetectionMetrics.auc(scores: [0.5, 0.5], truth: [true, false]), 0.5)
  }

  func testDetectionMetricsPerOrigin() {
    // Real (origin 0), cvae (1) perfectly separated, gan (2) half below the real scores.
    let scores: [Float] = [0.1, 0.2, 0.3, 0.9, 0.8, 0.25, 0.7]
    let syn = [false, false, false, true, true, true, true]
    let origin: [Int32] = [0, 0, 0, 1, 1, 2, 2]
    let d = Dictionary(uniqueKeysWithValues: DetectionMetrics.perOrigin(
      scores: scores, synthetic: syn, originIDs: origin, originNames: ["fashion-mnist", "cvae", "my gan"], threshold: 0.5))
    XCTAssertEqual(d["auc_cvae"]!, 1)
    XCTAssertEqual(d["recall_cvae"]!, 1)
    XCTAssertEqual(d["auc_my_gan"]!, 5.0 / 6.0, accuracy: 1e-9)  // 0.7 beats all 3 reals, 0.25 beats 2 of 3
    XCTAssertEqual(d["recall_my_gan"]!, 0.5)
    XCTAssertTrue(DetectionMetrics.perOrigin(scores: [0.1, 0.9], synthetic: [false, true], originIDs: [0, 1],
                                              originNames: ["real", "cvae"], threshold: 0.5).isEmpty, "one synthetic origin: no split")
    // Names that differ only in punctuation keep distinct columns.
    let names = DetectionMetrics.perOrigin(scores: [0.1, 0.9, 0.8], synthetic: [false, true, true], originIDs: [0, 1, 2],
                                           originNames: ["real", "gen-1", "gen 1"], threshold: 0.5).map(\.0)
    XCTAssertEqual(names, ["auc_gen_1", "recall_gen_1", "auc_gen_1_2", "recall_gen_1_2"])
  }
}
