import XCTest
import Foundation
@testable import Runtime
import TestSupport

/// RSMatch's parts: the class-wise queue, routing, gradient isolation of the main head,
/// and that provenance never reaches the algorithm (outside the oracle ablation).
final class RSMatchTests: XCTestCase {
  func testQueueKeepsClassBalanceAndBound() throws {
    var q = ClasswiseQueue(classes: 3, capacity: 4, featureDim: 2)
    for i in 0..<20 { q.push([Float(i), 0], forClass: 0) }
    q.push([1, 1], forClass: 2)
    XCTAssertEqual(q.count(forClass: 0), 4)
    XCTAssertEqual(q.count(forClass: 2), 1)
    XCTAssertLessThanOrEqual(q.count, q.maxCount)
    // FIFO: the newest four rows of class 0 remain.
    let (f, w) = try XCTUnwrap(q.batch())
    XCTAssertEqual(f.shape, [5, 2])
    XCTAssertEqual(Array(f.values[0..<8].enumerated().filter { $0.offset % 2 == 0 }.map(\.element)), [16, 17, 18, 19])
    // Each filled class carries half the total weight, however many rows it holds.
    XCTAssertEqual(w[0..<4].reduce(0, +), 0.5, accuracy: 1e-6)
    XCTAssertEqual(w[4], 0.5, accuracy: 1e-6)
    var g = ClasswiseQueue(classes: 3, capacity: 4, featureDim: 2, classwise: false)
    for i in 0..<30 { g.push([Float(i), 0], forClass: i % 3) }
    XCTAssertEqual(g.count, 12)
    let state = q.export()
    var r = ClasswiseQueue(classes: 3, capacity: 4, featureDim: 2)
    try r.restore(state)
    XCTAssertEqual(r.export(), state)
  }

  /// A 2-feature model whose batch can be routed by hand.
  func setup(routing: RSMatch.Routing) throws -> (RSMatch, Model) {
    let model = try Model.mlp([2, 3])
    let rs = RSMatch()
    rs.routing = routing
    rs.warmupSteps = 0
    rs.tau = 0.5
    rs.detectorHidden = 0
    var rng = RNG(seed: 1)
    try rs.prepare(unlabeledCount: 4, classes: 3, model: model, rng: &rng)
    return (rs, model)
  }

  func batch(_ model: Model, features: Tensor, oracle: [Bool]? = nil) throws -> SSLBatch {
    let logits = try model.head("main", features)
    return SSLBatch(step: 5, totalSteps: 10, classes: 3, labeledLogits: logits, labels: [0, 1, 2, 0],
                    weakLogits: logits.detached(), strongLogits: logits, labeledFeatures: features,
                    weakFeatures: features.detached(), strongFeatures: features, unlabeledIndices: [0, 1, 2, 3],
                    unlabeledCount: 4, model: model, oracleSynthetic: oracle)
  }

  func testDetectorPositiveSamplesGoToTheDummyHeadOnly() throws {
    let (rs, model) = try setup(routing: .detector)
    // Detector = linear probe on feature 0: p_syn = σ(10·f0).
    let det = try XCTUnwrap(model.heads.first { $0.name == "detector" }?.layer as? Linear)
    det.weight.buffer[0] = 10; det.weight.buffer[1] = 0; det.bias?.buffer[0] = 0
    // Confident main head so every sample is masked in.
    let main = try XCTUnwrap(model.heads.first { $0.name == "main" }?.layer as? Linear)
    for i in 0..<main.weight.count { main.weight.buffer[i] = 0 }
    main.weight.buffer[0 * 2 + 1] = 20  // class 0 driven by feature 1
    let f = Tensor(shape: [4, 2], values: [1, 1, -1, 1, 2, 1, -2, 1]).requiringGrad()
    let r = try rs.unsupervisedLoss(try batch(model, features: f))
    XCTAssertEqual(r.routedSynthetic, [true, false, true, false])
    XCTAssertEqual(r.mask, [1, 1, 1, 1])
  }

  func testMainHeadGetsNoGradientFromSyntheticRoutedSamples() throws {
    let (rs, model) = try setup(routing: .oracle)
    rs.tau = 0  // every sample masked in
    let f = Tensor(shape: [4, 2], values: [1, 2, 3, 4, 5, 6, 7, 8]).requiringGrad()
    let r = try rs.unsupervisedLoss(try batch(model, features: f, oracle: [true, true, true, true]))
    model.parameters.forEach { $0.grad = nil }
    try r.loss.backward()
    let main = try XCTUnwrap(model.heads.first { $0.name == "main" }?.layer as? Linear)
    let dummy = try XCTUnwrap(model.heads.first { $0.name == "dummy" }?.layer as? Linear)
    XCTAssertTrue(main.weight.grad?.values.allSatisfy { $0 == 0 } ?? true, "main head received gradient")
    XCTAssertTrue(main.bias?.grad?.values.allSatisfy { $0 == 0 } ?? true)
    XCTAssertTrue(dummy.weight.grad?.values.contains { $0 != 0 } ?? false, "dummy head got no gradient")
    XCTAssertTrue(f.grad?.values.contains { $0 != 0 } ?? false, "backbone features got no gradient")
    // Real-routed samples do train the main head.
    let (rs2, model2) = try setup(routing: .oracle)
    rs2.tau = 0
    let r2 = try rs2.unsupervisedLoss(try batch(model2, features: f, oracle: [false, false, false, false]))
    try r2.loss.backward()
    let main2 = try XCTUnwrap(model2.heads.first { $0.name == "main" }?.layer as? Linear)
    XCTAssertTrue(main2.weight.grad?.values.contains { $0 != 0 } ?? false)
  }

  /// Records what the trainer hands an algorithm.
  final class Spy: SSLAlgorithm {
    let name = "spy"
    let views = UnlabeledViews.weakAndStrong
    var options: [(String, String)] { [] }
    var oracle: Bool
    var sawProvenance = false
    init(oracle: Bool) { self.oracle = oracle }
    var usesOracleProvenance: Bool { oracle }
    func unsupervisedLoss(_ batch: SSLBatch) throws -> UnsupervisedResult {
      if batch.oracleSynthetic != nil { sawProvenance = true }
      return UnsupervisedResult(loss: Tensor(scalar: 0), mask: [], pseudoLabels: [])
    }
  }

  func testProvenanceIsNotReachableFromTheAlgorithmsInputs() throws {
    // The batch type has exactly one provenance field, the oracle's, and it stays nil
    // unless the algorithm declares the oracle ablation.
    let fields = Mirror(reflecting: try batch(try Model.mlp([2, 3]), features: Tensor(zeros: [4, 2]))).children.compactMap(\.label)
    XCTAssertEqual(fields.filter { $0.lowercased().contains("synth") || $0.lowercased().contains("proven") }, ["oracleSynthetic"])
    let data = try TrainerTests.toyData(count: 120, seed: 1)
    let (l, u) = try data.sslSplit(perClass: 4, seed: 0)
    var cfg = TrainConfig(steps: 2)
    cfg.batchSize = 4; cfg.mu = 2
    for oracle in [false, true] {
      let spy = Spy(oracle: oracle)
      _ = try Trainer(model: try Model.convnet(width: 4, classes: 3, inChannels: 1), algorithm: spy,
                      labeled: l, unlabeled: u, eval: nil, config: cfg).run()
      XCTAssertEqual(spy.sawProvenance, oracle)
    }
  }

  func testRSMatchTrainsResumesExactlyAndReportsDetector() throws {
    let path = NSTemporaryDirectory() + "rslab-rsmatch-\(getpid()).safetensors"
    defer { unlink(path) }
    func trainer() throws -> Trainer {
      let data = try TrainerTests.toyData(count: 300, seed: 1)
      let (l, u) = try data.sslSplit(perClass: 4, seed: 0)
      var cfg = TrainConfig(steps: 10)
      cfg.batchSize = 8; cfg.mu = 2; cfg.evalEvery = 5
      let rs = RSMatch()
      rs.warmupSteps = 3
      return try Trainer(model: try Model.convnet(width: 4, classes: 3, inChannels: 1), algorithm: rs,
                         labeled: l, unlabeled: u, eval: nil, config: cfg)
    }
    let full = try trainer().run()
    let det = Dictionary(uniqueKeysWithValues: try XCTUnwrap(full.detector))
    for k in ["precision", "recall", "f1", "auc"] { XCTAssertNotNil(det[k], k) }
    XCTAssertNotNil(full.history["det_auc"])
    let a = try trainer()
    for _ in 0..<6 { try a.trainStep() }
    try a.saveCheckpoint(path: path)
    let b = try trainer()
    try b.loadCheckpoint(path: path)
    let resumed = try b.run()
    XCTAssertEqual(full.liveModel.parameters.map(\.values), resumed.liveModel.parameters.map(\.values))
  }
}
