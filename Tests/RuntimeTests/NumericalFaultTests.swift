import XCTest
import Foundation
@testable import Runtime

/// Numerical faults never leave a silently poisoned model: a non-finite loss or gradient
/// stops training naming the step and the term with the weights of the last good step, and
/// weight or checkpoint files holding NaN are refused without touching the model.
final class NumericalFaultTests: XCTestCase {
  /// An unsupervised term chosen per test: a NaN value, or a finite value whose gradient is
  /// infinite (sqrt at 0, the classic custom-loss slip).
  final class FaultyLoss: SSLAlgorithm {
    enum Fault { case nanValue, infiniteGradient }
    let fault: Fault
    init(_ fault: Fault) { self.fault = fault }
    var name: String { "faulty" }
    var views: UnlabeledViews { .weak }
    var options: [(String, String)] { [] }
    func unsupervisedLoss(_ batch: SSLBatch) throws -> UnsupervisedResult {
      let zero = try batch.weakLogits.mul(0).sum()
      let loss = fault == .nanValue ? try zero.add(.nan) : try zero.sqrt()
      let n = batch.unlabeledIndices.count
      return UnsupervisedResult(loss: loss, mask: [Float](repeating: 1, count: n), pseudoLabels: [Int](repeating: 0, count: n))
    }
  }

  func makeTrainer(_ algorithm: any SSLAlgorithm) throws -> Trainer {
    let data = try TrainerTests.toyData(count: 120, seed: 1)
    let (l, u) = try data.sslSplit(perClass: 4, seed: 0)
    var cfg = TrainConfig(steps: 5)
    cfg.batchSize = 8; cfg.mu = 2; cfg.evalEvery = 5
    return try Trainer(model: try Model.convnet(width: 4, classes: 3, inChannels: 1, seed: 7), algorithm: algorithm,
                       labeled: l, unlabeled: u, eval: nil, config: cfg)
  }

  func testNaNUnsupervisedLossNamesStepAndTerm() throws {
    let t = try makeTrainer(FaultyLoss(.nanValue))
    let before = t.model.parameters.map(\.values)
    XCTAssertThrowsError(try t.run()) { e in
      guard case .numerical(let m) = e as? RuntimeError else { return XCTFail("\(e)") }
      XCTAssertTrue(m.contains("at step 1"), m)
      XCTAssertTrue(m.contains("the unsupervised loss of faulty"), m)
      XCTAssertTrue(m.contains("keeps its weights from step 0"), m)
    }
    XCTAssertEqual(t.step, 0)
    XCTAssertEqual(t.model.parameters.map(\.values), before)
  }

  func testInfiniteGradientStopsBeforeTheOptimizerStep() throws {
    let t = try makeTrainer(FaultyLoss(.infiniteGradient))
    let before = t.model.parameters.map(\.values)
    XCTAssertThrowsError(try t.trainStep()) { e in
      guard case .numerical(let m) = e as? RuntimeError else { return XCTFail("\(e)") }
      XCTAssertTrue(m.contains("the gradient of backbone."), m)
      XCTAssertTrue(m.contains("at step 1"), m)
      XCTAssertTrue(m.contains("unsupervised loss of faulty"), m)
    }
    XCTAssertEqual(t.step, 0)
    // Every weight is still finite and unchanged.
    XCTAssertEqual(t.model.parameters.map(\.values), before)
    XCTAssertTrue(t.model.parameters.allSatisfy { FiniteCheck.allFinite($0) })
  }

  func testWeightsWithNaNAreRefusedAndModelUnchanged() throws {
    let path = NSTemporaryDirectory() + "rslab-nan-weights-\(getpid()).safetensors"
    defer { unlink(path) }
    let source = try Model.mlp([4, 3, 2], seed: 1)
    let target = try Model.mlp([4, 3, 2], seed: 2)
    let before = target.parameters.map(\.values)
    source.parameters[1].buffer[2] = .infinity
    try source.save(path: path)
    XCTAssertThrowsError(try target.loadWeights(path: path)) { e in
      XCTAssertTrue("\(e)".contains("contain NaN or infinite values; the model is unchanged"), "\(e)")
    }
    XCTAssertEqual(target.parameters.map(\.values), before)
  }

  func testPoisonedCheckpointRestoresNothing() throws {
    let path = NSTemporaryDirectory() + "rslab-nan-ckpt-\(getpid()).safetensors"
    defer { unlink(path) }
    let a = try makeTrainer(FixMatch(tau: 0.7))
    try a.trainStep()
    a.model.parameters.last!.buffer[0] = .nan
    try a.saveCheckpoint(path: path)
    let b = try makeTrainer(FixMatch(tau: 0.7))
    let before = b.model.parameters.map(\.values)
    XCTAssertThrowsError(try b.loadCheckpoint(path: path)) { e in
      XCTAssertTrue("\(e)".contains("NaN or infinite values; nothing was restored"), "\(e)")
    }
    XCTAssertEqual(b.model.parameters.map(\.values), before)
    XCTAssertEqual(b.step, 0)
  }

  func testFiniteCheckMatchesIsFinite() {
    var rng = RNG(seed: 5)
    for n in [0, 1, 7, 8, 9, 33] {
      for bad in [Float.nan, .infinity, -.infinity] {
        var v = (0..<n).map { _ in rng.normal() }
        XCTAssertTrue(v.withUnsafeBufferPointer { FiniteCheck.allFinite($0) })
        if n > 0 {
          v[rng.int(below: n)] = bad
          XCTAssertFalse(v.withUnsafeBufferPointer { FiniteCheck.allFinite($0) }, "n \(n) \(bad)")
        }
      }
    }
  }
}
