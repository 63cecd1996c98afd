import XCTest
import Foundation
@testable import Runtime
import TestSupport

/// OpenMatch and IOMatch: their losses and selection rules on hand-made logits, where the
/// gradient goes, and exact resume through the trainer.
final class OpenSetAlgorithmTests: XCTestCase {
  func sigmoid(_ x: Double) -> Double { 1 / (1 + Foundation.exp(-x)) }
  func logit(_ p: Double) -> Float { Float(Foundation.log(p / (1 - p))) }

  // MARK: One-vs-all parts

  func testOVASupervisedLossUsesPositiveAndHardestNegative() throws {
    // K = 3; columns 0..<3 outlier logits, 3..<6 inlier logits.
    let v: [Float] = [0, 2, -1, 1, 0, 0.5,
                      1, 0, 3, 0, 2, 0]
    let logits = Tensor(shape: [2, 6], values: v)
    let loss = try OneVsAll.supervisedLoss(logits, labels: [0, 1], classes: 3)
    // Reference twin: pair softmax per class, −log p_in(y), max over k ≠ y of −log p_out(k).
    var expected = 0.0
    for (b, y) in [0, 1].enumerated() {
      let row = v[(b * 6)..<(b * 6 + 6)].map(Double.init)
      let pin = (0..<3).map { sigmoid(row[3 + $0] - row[$0]) }
      let pout = pin.map { 1 - $0 }
      let neg = (0..<3).filter { $0 != y }.map { -Foundation.log(pout[$0] + 1e-8) }.max()!
      expected += (-Foundation.log(pin[y] + 1e-8) + neg) / 2
    }
    XCTAssertEqual(Double(try loss.item()), expected, accuracy: 1e-5)
    // Row 0 (y = 0): the hardest negative is class 2 (p_out(2) = σ(−1.5), lowest);
    // row 1 (y = 1): class 0 (p_out(0) = σ(1) < p_out(2) = σ(3)).
    XCTAssertEqual(expected, ((-Foundation.log(sigmoid(1)) - Foundation.log(sigmoid(-1.5))) +
                              (-Foundation.log(sigmoid(2)) - Foundation.log(sigmoid(1)))) / 2, accuracy: 1e-6)
    var rng = RNG(seed: 4)
    let x = randomTensor([3, 6], &rng)
    let r = try gradCheck([x]) { try OneVsAll.supervisedLoss($0[0], labels: [2, 0, 1], classes: 3) }
    XCTAssertTrue(r.ok, r.report)
  }

  func testOVAEntropyAndSoftConsistencyOnKnownInputs() throws {
    let zeros = Tensor(zeros: [2, 4])
    XCTAssertEqual(try OneVsAll.entropy(zeros, classes: 2).item(), Float(Foundation.log(2.0)), accuracy: 1e-5)
    XCTAssertEqual(try OneVsAll.consistency(zeros, zeros, classes: 2).item(), 0)
    // Class 0 of row 0 moves from p_in 0.5 to 0.75: both pair entries differ by 0.25.
    let b = Tensor(shape: [2, 4], values: [0, 0, Float(Foundation.log(3.0)), 0, 0, 0, 0, 0])
    XCTAssertEqual(try OneVsAll.consistency(zeros, b, classes: 2).item(), 2 * 0.0625 / 2, accuracy: 1e-6)
    var rng = RNG(seed: 5)
    let x = randomTensor([2, 4], &rng), y = randomTensor([2, 4], &rng)
    XCTAssertTrue(try gradCheck([x, y]) { try OneVsAll.consistency($0[0], $0[1], classes: 2) }.ok)
    XCTAssertTrue(try gradCheck([x]) { try OneVsAll.entropy($0[0], classes: 2) }.ok)
  }

  // MARK: OpenMatch

  func testOpenMatchSelectsInliersByOutlierScoreOfPredictedClass() throws {
    let om = OpenMatch()
    om.tau = 0.6
    // Main logits: predictions 0, 0 (a tie goes to the first class), 1; confidences 0.88, 0.5, 0.73.
    let main = Tensor(shape: [3, 2], values: [2, 0, 0, 0, 0, 1])
    // Outlier probabilities p_out(k) for k = 0, 1 per row (inlier logit 0, outlier logit = logit(p)).
    let pout: [[Double]] = [[0.2, 0.9], [0.6, 0.1], [0.9, 0.4]]
    let ova = Tensor(shape: [3, 4], values: pout.flatMap { [logit($0[0]), logit($0[1]), 0, 0] })
    let s = try om.select(weakLogits: main, weakOVALogits: ova)
    XCTAssertEqual(s.labels, [0, 0, 1])
    for (a, e) in zip(s.scores, [0.2, 0.6, 0.4]) { XCTAssertEqual(a, Float(e), accuracy: 1e-5) }
    XCTAssertEqual(s.selected, [true, false, true])
    // Selected and confident (≥ 0.6): row 0 (0.88) and row 2 (0.73); row 1 is an outlier.
    XCTAssertEqual(s.mask, [1, 0, 1])
    om.tau = 0.8
    XCTAssertEqual(try om.select(weakLogits: main, weakOVALogits: ova).mask, [1, 0, 0])
    // Warm-up: 10 of 512 epochs.
    XCTAssertEqual(om.fixStart(totalSteps: 1024), 20)
    om.startFix = 7
    XCTAssertEqual(om.fixStart(totalSteps: 1024), 7)
  }

  /// A 2-feature model (identity backbone) whose heads can be set by hand.
  func handModel(_ algo: any SSLAlgorithm, classes: Int = 2) throws -> Model {
    let model = try Model.mlp([2, classes])
    var rng = RNG(seed: 1)
    try algo.prepare(unlabeledCount: 4, classes: classes, model: model, rng: &rng)
    return model
  }

  func linearHead(_ model: Model, _ name: String) throws -> Linear {
    if let l = model.heads.first(where: { $0.name == name })?.layer as? Linear { return l }
    throw RuntimeError.invalidArgument(op: "test", message: "no linear head \(name)")
  }

  func batch(_ model: Model, features f: Tensor, step: Int, total: Int = 100) throws -> SSLBatch {
    let logits = try model.head("main", f)
    return SSLBatch(step: step, totalSteps: total, classes: logits.shape[1], labeledLogits: logits, labels: [0, 1, 0, 1],
                    weakLogits: logits.detached(), strongLogits: logits, labeledFeatures: f,
                    weakFeatures: f.detached(), strongFeatures: f, unlabeledIndices: [0, 1, 2, 3],
                    unlabeledCount: 4, model: model)
  }

  func testOpenMatchFixLossAveragesOverSelectedAndStartsAfterWarmup() throws {
    let om = OpenMatch()
    om.startFix = 5
    let model = try handModel(om)
    // OVA: outlier logit of both classes = 4·f1, inlier logits 0 → p_out = σ(4 f1).
    let ova = try linearHead(model, "ova")
    for i in 0..<ova.weight.count { ova.weight.buffer[i] = 0 }
    ova.weight.buffer[0 * 2 + 1] = 4; ova.weight.buffer[1 * 2 + 1] = 4
    let f = Tensor(shape: [4, 2], values: [1, -1, -1, -1, 2, 1, 0.5, -2]).requiringGrad()
    let before = try om.unsupervisedLoss(try batch(model, features: f, step: 4))
    XCTAssertEqual(before.mask, [0, 0, 0, 0], "no FixMatch term before start_fix")
    XCTAssertEqual(before.routedSynthetic, [false, false, true, false])
    let after = try om.unsupervisedLoss(try batch(model, features: f, step: 5))
    XCTAssertEqual(after.mask, [1, 1, 0, 1])
    // fix_loss = mean CE over the 3 selected samples towards their own argmax.
    let logits = try model.head("main", f.detached())
    let ce = try logits.crossEntropy(labels: after.pseudoLabels, reduction: .none).values
    let fix = try XCTUnwrap(after.terms.first { $0.0 == "fix_loss" }?.1)
    XCTAssertEqual(fix, Double(ce[0] + ce[1] + ce[3]) / 3, accuracy: 1e-5)
    let total = Double(try after.loss.item()) - Double(try before.loss.item())
    XCTAssertEqual(total, fix, accuracy: 1e-5, "the FixMatch term is the only difference")
  }

  func testOpenMatchGradientReachesOVAHeadAndMainHeadOnlyThroughFixMatch() throws {
    for (step, mainExpected) in [(0, false), (50, true)] {
      let om = OpenMatch()
      om.startFix = 10
      let model = try handModel(om)
      let f = Tensor(shape: [4, 2], values: [1, 2, -1, 0.5, 0.3, -2, 2, 1]).requiringGrad()
      let b = try batch(model, features: f, step: step)
      // Only the algorithm's loss: the labeled CE is the trainer's.
      let r = try om.unsupervisedLoss(b)
      try r.loss.backward()
      let ova = try linearHead(model, "ova"), main = try linearHead(model, "main")
      XCTAssertTrue(ova.weight.grad?.values.contains { $0 != 0 } ?? false, "ova head got no gradient")
      XCTAssertTrue(f.grad?.values.contains { $0 != 0 } ?? false, "features got no gradient")
      XCTAssertEqual(r.mask.contains { $0 > 0 }, mainExpected)
      let mainGot = main.weight.grad?.values.contains { $0 != 0 } ?? false
      XCTAssertEqual(mainGot, mainExpected, "main head gradient at step \(step)")
    }
  }

  // MARK: IOMatch

  func testIOMatchTargetsAndBothThresholds() throws {
    let io = IOMatch()
    // p rows and per-class outlier probabilities o_k of the multi-binary head.
    let p: [Float] = [0.9, 0.1, 0.97, 0.03, 0.5, 0.5, 0.6, 0.4]
    let o: [[Double]] = [[0.2, 0.8], [0.9, 0.1], [0.5, 0.5], [0.3, 0.3]]
    let mb = Tensor(shape: [4, 4], values: o.flatMap { [logit($0[0]), logit($0[1]), 0, 0] })
    let t = try io.targets(probabilities: p, mbLogits: mb, classes: 2)
    let expectedQ: [Float] = [0.72, 0.02, 0.26,  0.097, 0.027, 0.876,  0.25, 0.25, 0.5,  0.42, 0.28, 0.3]
    XCTAssertTrue(allClose(t.q, expectedQ, atol: 1e-5), "\(t.q)")
    for b in 0..<4 { XCTAssertEqual(t.q[b * 3..<b * 3 + 3].reduce(0, +), 1, accuracy: 1e-5) }
    XCTAssertEqual(t.inlier, [true, false, false, true])  // s < 0.5; s = 0.5 is not an inlier
    XCTAssertEqual(t.pMask, [false, true, false, false])  // max p ≥ τ_p = 0.95
    XCTAssertEqual(t.qMask, [true, true, true, false])    // max q ≥ τ_q = 0.5
    io.tauQ = 0.8
    XCTAssertEqual(try io.targets(probabilities: p, mbLogits: mb, classes: 2).qMask, [false, true, false, false])
    XCTAssertEqual(io.openStart(totalSteps: 1024), 4)
  }

  func testIOMatchClosedSetMaskNeedsInlierAndConfidence() throws {
    let io = IOMatch()
    io.tauP = 0.7
    io.projDim = 2
    let model = try handModel(io)
    // Projection (relu(f0), relu(f1) − 1); multi-binary head: outlier logit of every class
    // = 4·(relu(f1) − 1), inlier logits 0, so f1 = 0 is an inlier and f1 = 2 an outlier.
    let proj = try XCTUnwrap(model.heads.first { $0.name == "proj" }?.layer as? Sequential)
    let projLinears = proj.layers.compactMap { $0 as? Linear }
    for l in projLinears {
      for i in 0..<l.weight.count { l.weight.buffer[i] = i % 3 == 0 ? 1 : 0 }
      if let b = l.bias { for i in 0..<b.count { b.buffer[i] = 0 } }
    }
    projLinears.last?.bias?.buffer[1] = -1
    let mb = try linearHead(model, "mb")
    for i in 0..<mb.weight.count { mb.weight.buffer[i] = 0 }
    mb.weight.buffer[0 * 2 + 1] = 4; mb.weight.buffer[1 * 2 + 1] = 4
    let main = try linearHead(model, "main")
    main.weight.buffer[0] = 3; main.weight.buffer[1] = 0; main.weight.buffer[2] = -3; main.weight.buffer[3] = 0
    main.bias?.buffer[0] = 0; main.bias?.buffer[1] = 0
    // f0 drives confidence (p_0 = σ(6 f0)), f1 ≥ 0 (after ReLU) drives the outlier score.
    let f = Tensor(shape: [4, 2], values: [1, 0, 1, 2, 0.05, 0, -1, 0])
    let r = try io.unsupervisedLoss(try batch(model, features: f, step: 0))
    XCTAssertEqual(r.routedSynthetic, [false, true, false, false])
    XCTAssertEqual(r.mask, [1, 0, 0, 1])
    XCTAssertEqual(r.pseudoLabels, [0, 0, 0, 1])
  }

  func testIOMatchGradientFlow() throws {
    for openOn in [false, true] {
      let io = IOMatch()
      io.openWarmupSteps = 10
      io.lambdaMB = 0
      io.tauP = 0
      io.tauQ = 0
      let model = try handModel(io, classes: 3)
      let f = Tensor(shape: [4, 2], values: [1, 2, -1, 0.5, 0.3, -2, 2, 1]).requiringGrad()
      let r = try io.unsupervisedLoss(try batch(model, features: f, step: openOn ? 10 : 9))
      try r.loss.backward()
      func got(_ name: String) -> Bool {
        model.heads.first { $0.name == name }?.layer.parameters.contains { $0.grad?.values.contains { $0 != 0 } ?? false } ?? false
      }
      // λ_mb = 0: the multi-binary head only makes targets, so no gradient reaches it.
      XCTAssertFalse(got("mb"), "mb head trained by unlabeled targets")
      XCTAssertEqual(got("open"), openOn, "open head, open loss on: \(openOn)")
      XCTAssertEqual(got("proj"), openOn)
      XCTAssertTrue(r.mask.contains { $0 > 0 })
      XCTAssertTrue(got("main"), "the closed-set loss trains the main head")
    }
    let io = IOMatch()
    let model = try handModel(io, classes: 3)
    let f = Tensor(shape: [4, 2], values: [1, 2, -1, 0.5, 0.3, -2, 2, 1]).requiringGrad()
    try io.unsupervisedLoss(try batch(model, features: f, step: 0)).loss.backward()
    XCTAssertTrue(model.heads.first { $0.name == "mb" }?.layer.parameters.contains { $0.grad?.values.contains { $0 != 0 } ?? false } ?? false,
                  "the labeled multi-binary loss trains the mb head")
  }

  func testIOMatchDistributionAlignmentQueue() throws {
    let io = IOMatch()
    io.distAlign = true
    io.daLength = 4
    _ = try handModel(io)
    // One batch in a zero-initialised queue: p / queue-mean is constant per class, so the
    // aligned rows are uniform.
    let a = try io.alignDistribution([0.8, 0.2, 0.8, 0.2], rows: 2)
    XCTAssertTrue(allClose(a, [0.5, 0.5, 0.5, 0.5], atol: 1e-4), "\(a)")
    XCTAssertEqual(io.daPointer, 1)
    let b = try io.alignDistribution([0.5, 0.5], rows: 1)
    // queue mean ∝ (1.3, 0.7): the aligned row leans to class 1.
    XCTAssertEqual(b[0], 0.7 / 2.0, accuracy: 1e-3)
    let state = io.exportState()
    let io2 = IOMatch()
    io2.daLength = 4
    _ = try handModel(io2)
    try io2.importState(state)
    XCTAssertEqual(io2.daQueue, io.daQueue)
    XCTAssertEqual(io2.daPointer, 2)
    XCTAssertThrowsError(try io2.importState(["da_queue": [1], "da_pointer": [0]]))
    XCTAssertThrowsError(try io2.alignDistribution([0.5, 0.5, 0.5], rows: 2))
    XCTAssertThrowsError(try io.targets(probabilities: [1, 0], mbLogits: Tensor(zeros: [2, 4]), classes: 2))
    XCTAssertThrowsError(try OpenMatch().outlierScores(mainLogits: Tensor(zeros: [3, 2]), ovaLogits: Tensor(zeros: [2, 4])))
  }

  func testOptionsAreValidated() {
    let om = OpenMatch()
    om.inlierThreshold = 1
    XCTAssertThrowsError(try om.validate())
    let io = IOMatch()
    io.projDim = 0
    XCTAssertThrowsError(try io.validate())
  }

  // MARK: Through the trainer

  func testBothTrainAndResumeExactly() throws {
    let path = NSTemporaryDirectory() + "rslab-openset-\(getpid()).safetensors"
    defer { unlink(path) }
    let makers: [() -> any SSLAlgorithm] = [
      { let a = OpenMatch(); a.startFix = 3; return a },
      { let a = IOMatch(); a.openWarmupSteps = 3; a.distAlign = true; a.tauP = 0.5; a.projDim = 16; return a },
    ]
    for make in makers {
      func trainer() throws -> Trainer {
        let data = try TrainerTests.toyData(count: 300, seed: 1)
        let (l, u) = try data.sslSplit(perClass: 4, seed: 0)
        var cfg = TrainConfig(steps: 10)
        cfg.batchSize = 8; cfg.mu = 2; cfg.evalEvery = 5
        return try Trainer(model: try Model.convnet(width: 4, classes: 3, inChannels: 1, seed: 7), algorithm: make(),
                           labeled: l, unlabeled: u, eval: nil, config: cfg)
      }
      let full = try trainer().run()
      let name = make().name
      XCTAssertEqual(full.steps, 10)
      XCTAssertNotNil(full.history["det_auc"], name)
      XCTAssertNotNil(full.history["inlier_rate"], name)
      XCTAssertTrue(full.history["loss"]!.allSatisfy(\.isFinite), name)
      // After the warm-up the FixMatch (OpenMatch) and open-set (IOMatch) terms are active.
      let late = name == "openmatch" ? "fix_loss" : "op_loss"
      XCTAssertGreaterThan(try XCTUnwrap(full.history[late]?.last), 0, "\(name) \(late)")
      let a = try trainer()
      for _ in 0..<6 { try a.trainStep() }
      try a.saveCheckpoint(path: path)
      let b = try trainer()
      try b.loadCheckpoint(path: path)
      let resumed = try b.run()
      XCTAssertEqual(full.liveModel.parameters.map(\.values), resumed.liveModel.parameters.map(\.values), "\(name) live weights")
      XCTAssertEqual(full.model.parameters.map(\.values), resumed.model.parameters.map(\.values), "\(name) EMA weights")
    }
  }
}
