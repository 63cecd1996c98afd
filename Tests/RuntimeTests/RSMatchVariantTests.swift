import XCTest
import Foundation
@testable import Runtime
import TestSupport

/// RSMatch's design variants (each does what its option says on a tiny model) and the
/// oracle-dropping arm; the defaults are covered by the tests in RSMatchTests.swift.
extension RSMatchTests {
  /// Linear detector p_syn = σ(10·f0) and a main head confident in class 0 for every row.
  func rigHeads(_ model: Model) throws {
    let det = try XCTUnwrap(model.heads.first { $0.name == "detector" }?.layer as? Linear)
    det.weight.buffer[0] = 10; det.weight.buffer[1] = 0; det.bias?.buffer[0] = 0
    let main = try XCTUnwrap(model.heads.first { $0.name == "main" }?.layer as? Linear)
    for i in 0..<main.weight.count { main.weight.buffer[i] = 0 }
    main.weight.buffer[1] = 20
  }

  func testQueueOfImagesIsReforwardedWithGradient() throws {
    let (rs, model) = try setup(routing: .detector)
    rs.queueItems = .images
    var rng = RNG(seed: 1)
    try rs.prepare(unlabeledCount: 4, classes: 3, model: model, rng: &rng)
    try rigHeads(model)
    XCTAssertEqual(rs.extraUnlabeled(step: 0), [], "an empty queue asks for nothing")
    // A step pushes positions (not features): per pseudo-class the highest p_syn.
    let f = Tensor(shape: [4, 2], values: [1, 1, -1, 1, 2, 1, -2, 1]).requiringGrad()
    _ = try rs.unsupervisedLoss(try batch(model, features: f))
    let queued = try XCTUnwrap(rs.queue).export()
    XCTAssertEqual(queued[0], 4, "class 0 holds the batch's four positions")
    XCTAssertEqual(Set(queued[1...4]), [0, 1, 2, 3])
    let ask = rs.extraUnlabeled(step: 1)
    XCTAssertEqual(Set(ask), [0, 1, 2, 3])
    XCTAssertEqual(rs.pendingQueueWeights.reduce(0, +), 1, accuracy: 1e-6)
    // The re-forwarded features and the labeled features both receive the detector's gradient.
    let labeledF = Tensor(shape: [4, 2], values: [-1, 1, -1, 1, -2, 1, -2, 1]).requiringGrad()
    let extraF = Tensor(shape: [4, 2], values: [1, 0, 2, 0, 1, 0, 2, 0]).requiringGrad()
    let logits = try model.head("main", f)
    let b = SSLBatch(step: 6, totalSteps: 10, classes: 3, labeledLogits: try model.head("main", labeledF), labels: [0, 1, 2, 0],
                     weakLogits: logits.detached(), strongLogits: logits, labeledFeatures: labeledF,
                     weakFeatures: f.detached(), strongFeatures: f, unlabeledIndices: [0, 1, 2, 3],
                     unlabeledCount: 4, model: model, extraFeatures: extraF)
    let r = try rs.unsupervisedLoss(b)
    XCTAssertGreaterThan(r.terms.first { $0.0 == "det_loss" }?.1 ?? 0, 0)
    try r.loss.backward()
    XCTAssertTrue(extraF.grad?.values.contains { $0 != 0 } ?? false, "the queue side must train the backbone")
    XCTAssertTrue(labeledF.grad?.values.contains { $0 != 0 } ?? false, "the labeled side must train the backbone")
    // Default (features): the labeled features get no gradient from the detector.
    let (rs2, model2) = try setup(routing: .detector)
    try rigHeads(model2)
    let labeled2 = Tensor(shape: [4, 2], values: [-1, 1, -1, 1, -2, 1, -2, 1]).requiringGrad()
    let l2 = try model2.head("main", f)
    let b2 = SSLBatch(step: 6, totalSteps: 10, classes: 3, labeledLogits: l2, labels: [0, 1, 2, 0],
                      weakLogits: l2.detached(), strongLogits: l2, labeledFeatures: labeled2,
                      weakFeatures: f.detached(), strongFeatures: f, unlabeledIndices: [0, 1, 2, 3],
                      unlabeledCount: 4, model: model2)
    try rs2.unsupervisedLoss(b2).loss.backward()
    XCTAssertTrue(labeled2.grad?.values.allSatisfy { $0 == 0 } ?? true)
  }

  func testTrainerForwardsTheQueueAndReportsRoutedReal() throws {
    let data = try TrainerTests.toyData(count: 300, seed: 1)
    let (l, u) = try data.sslSplit(perClass: 4, seed: 0)
    var cfg = TrainConfig(steps: 8)
    cfg.batchSize = 8; cfg.mu = 2; cfg.evalEvery = 4
    for variant in ["images", "confident", "main"] {
      let rs = RSMatch()
      rs.warmupSteps = 2
      switch variant {
      case "images": rs.queueItems = .images
      case "confident": rs.detectorNegatives = .confident
      default: rs.dummyInit = .main
      }
      let run = try Trainer(model: try Model.convnet(width: 4, classes: 3, inChannels: 1), algorithm: rs,
                            labeled: l, unlabeled: u, eval: nil, config: cfg).run()
      XCTAssertEqual(run.steps, 8, variant)
      let routed = try XCTUnwrap(run.history["routed_syn_real"], variant)
      XCTAssertTrue(routed.allSatisfy { $0 >= 0 && $0 <= 1 }, variant)
      XCTAssertTrue(try XCTUnwrap(run.history["det_loss"]).allSatisfy(\.isFinite), variant)
      XCTAssertTrue(run.label.contains(variant == "images" ? "queue_items: images" : variant == "confident"
                                         ? "detector_negatives: confident" : "dummy_init: main"), run.label)
    }
  }

  func testConfidentNegativesJoinTheDetectorsRealSide() throws {
    // Rows 0 and 2 look real (p_syn = σ(-10), σ(-20)), rows 1 and 3 synthetic; all pseudo-class 0.
    let f = Tensor(shape: [4, 2], values: [-1, 1, 1, 1, -2, 1, 2, 1])
    var losses: [RSMatch.DetectorNegatives: Double] = [:]
    for negatives in [RSMatch.DetectorNegatives.labeled, .confident] {
      let (rs, model) = try setup(routing: .detector)
      rs.detectorNegatives = negatives
      try rigHeads(model)
      let r = try rs.unsupervisedLoss(try batch(model, features: f))
      losses[negatives] = try XCTUnwrap(r.terms.first { $0.0 == "det_loss" }?.1)
    }
    // det_loss = ½ (mean softplus(z) over the real side + queue term); the queue is the same.
    func softplus(_ z: Double) -> Double { Foundation.log(1 + Foundation.exp(z)) }
    let zLabeled = [-10.0, 10, -20, 20], zMined = [-10.0, -20]
    let realLabeled = zLabeled.map(softplus).reduce(0, +) / 4
    let realBoth = (zLabeled + zMined).map(softplus).reduce(0, +) / 6
    XCTAssertEqual(try XCTUnwrap(losses[.confident]) - XCTUnwrap(losses[.labeled]), 0.5 * (realBoth - realLabeled), accuracy: 1e-4)
  }

  func testDummyHeadStartsAsACopyOfTheMainHeadAfterWarmup() throws {
    let (rs, model) = try setup(routing: .detector)
    rs.dummyInit = .main
    rs.warmupSteps = 5
    let main = try XCTUnwrap(model.heads.first { $0.name == "main" }?.layer as? Linear)
    let dummy = try XCTUnwrap(model.heads.first { $0.name == "dummy" }?.layer as? Linear)
    let f = Tensor(shape: [4, 2], values: [1, 2, 3, 4, 5, 6, 7, 8])
    func step(_ s: Int) throws {
      let logits = try model.head("main", f)
      _ = try rs.unsupervisedLoss(SSLBatch(step: s, totalSteps: 10, classes: 3, labeledLogits: logits, labels: [0, 1, 2, 0],
                                           weakLogits: logits.detached(), strongLogits: logits, labeledFeatures: f,
                                           weakFeatures: f, strongFeatures: f, unlabeledIndices: [0, 1, 2, 3],
                                           unlabeledCount: 4, model: model))
    }
    try step(4)
    XCTAssertNotEqual(dummy.weight.values, main.weight.values, "no copy during warm-up")
    try step(5)
    XCTAssertEqual(dummy.weight.values, main.weight.values)
    XCTAssertEqual(dummy.bias?.values, main.bias?.values)
  }

  func testOracleDroppingGivesSyntheticSamplesNoWeight() throws {
    let (rs, model) = try setup(routing: .oracle)
    rs.useDummy = false
    rs.tau = 0
    let f = Tensor(shape: [4, 2], values: [1, 2, 3, 4, 5, 6, 7, 8]).requiringGrad()
    let r = try rs.unsupervisedLoss(try batch(model, features: f, oracle: [true, false, true, false]))
    XCTAssertEqual(r.routedSynthetic, [true, false, true, false])
    XCTAssertEqual(r.mask, [0, 1, 0, 1])
    try r.loss.backward()
    let dummy = try XCTUnwrap(model.heads.first { $0.name == "dummy" }?.layer as? Linear)
    XCTAssertTrue(dummy.weight.grad?.values.allSatisfy { $0 == 0 } ?? true, "dropped samples must not train the dummy head")
  }
}
