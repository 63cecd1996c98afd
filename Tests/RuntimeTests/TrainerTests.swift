import XCTest
import Foundation
@testable import Runtime
import TestSupport

/// The shared trainer: determinism, exact resume, NaN handling, reporting from provenance.
final class TrainerTests: XCTestCase {
  /// Three classes of 8x8 grey images (a bright row band, column band or centre blob plus
  /// noise); every fourth image is flagged synthetic.
  static func toyData(count: Int, seed: UInt64) throws -> Dataset {
    var rng = RNG(seed: seed)
    var px = [UInt8](), labels = [Int](), syn = [Bool]()
    for i in 0..<count {
      let c = i % 3
      for y in 0..<8 { for x in 0..<8 {
        let on = c == 0 ? (y >= 3 && y <= 4) : c == 1 ? (x >= 3 && x <= 4) : (abs(x - 4) + abs(y - 4) <= 2)
        let v = (on ? 180.0 : 40.0) + 50 * Double(rng.normal())
        px.append(UInt8(max(0, min(255, v))))
      } }
      labels.append(c)
      syn.append(i % 4 == 3)
    }
    return try Dataset(name: "toy", pixels: px, labels: labels, classNames: ["row", "col", "blob"],
                       channels: 1, height: 8, width: 8, synthetic: syn, originNames: ["toy"])
  }

  func makeTrainer(steps: Int, algorithm: any SSLAlgorithm = FixMatch(tau: 0.7), seed: UInt64 = 3) throws -> Trainer {
    let data = try TrainerTests.toyData(count: 300, seed: 1)
    let (l, u) = try data.sslSplit(perClass: 4, seed: 0)
    let test = try TrainerTests.toyData(count: 90, seed: 2)
    var cfg = TrainConfig(steps: steps)
    cfg.batchSize = 8; cfg.mu = 2; cfg.evalEvery = 5; cfg.seed = seed
    let model = try Model.convnet(width: 4, classes: 3, inChannels: 1, seed: 7)
    return try Trainer(model: model, algorithm: algorithm, labeled: l, unlabeled: u, eval: test, config: cfg)
  }

  func testSameSeedGivesIdenticalHistories() throws {
    let a = try makeTrainer(steps: 10).run(), b = try makeTrainer(steps: 10).run()
    for c in a.history.columns where c != "time" {
      XCTAssertEqual(a.history[c]!.map { $0.isNaN ? -1 : $0 }, b.history[c]!.map { $0.isNaN ? -1 : $0 }, "column \(c)")
    }
    XCTAssertEqual(a.history.rows, 2)
    XCTAssertEqual(a.model.parameters.map(\.values), b.model.parameters.map(\.values))
  }

  func testResumeFromCheckpointEqualsUninterruptedRun() throws {
    let path = NSTemporaryDirectory() + "rslab-resume-\(getpid()).safetensors"
    defer { unlink(path) }
    for algo in [{ FixMatch(tau: 0.7) as any SSLAlgorithm }, { FlexMatch(tau: 0.7) }, { FreeMatch() }, { SoftMatch() }] {
      let full = try makeTrainer(steps: 10, algorithm: algo()).run()
      let first = try makeTrainer(steps: 10, algorithm: algo())
      for _ in 0..<5 { try first.trainStep() }
      try first.logRow(cancellation: nil)
      try first.saveCheckpoint(path: path)
      let second = try makeTrainer(steps: 10, algorithm: algo())
      try second.loadCheckpoint(path: path)
      let resumed = try second.run()
      XCTAssertEqual(resumed.steps, 10)
      XCTAssertEqual(full.liveModel.parameters.map(\.values), resumed.liveModel.parameters.map(\.values), "\(algo().name) live weights")
      XCTAssertEqual(full.model.parameters.map(\.values), resumed.model.parameters.map(\.values), "\(algo().name) EMA weights")
      XCTAssertEqual(full.history["loss"]!, resumed.history["loss"]!, "\(algo().name) loss history")
      XCTAssertEqual(full.history["test_acc"]!, resumed.history["test_acc"]!)
    }
  }

  func testHistoryReportsRealAndSyntheticPseudoLabelAccuracy() throws {
    let run = try makeTrainer(steps: 5).run()
    for c in ["step", "loss", "sup_loss", "unsup_loss", "lr", "mask_rate", "mask_rate_real", "mask_rate_syn",
              "pl_acc_real", "test_acc", "test_loss", "raw_test_acc"] {
      XCTAssertNotNil(run.history[c], "missing column \(c)")
    }
    XCTAssertEqual(run.history["step"]!, [5])
    let acc = run.history["test_acc"]![0]
    XCTAssertTrue(acc >= 0 && acc <= 1)
  }

  func testNaNLossStopsWithStepAndKeepsWeights() throws {
    let t = try makeTrainer(steps: 5, algorithm: FixMatch(tau: 0.7))
    try t.trainStep()
    t.model.parameters[0].buffer[0] = .nan
    XCTAssertThrowsError(try t.trainStep()) { e in
      XCTAssertTrue("\(e)".contains("at step 2"), "\(e)")
    }
    XCTAssertEqual(t.step, 1)
  }

  func testInterruptReturnsPartialRun() throws {
    let t = try makeTrainer(steps: 50)
    var seen = 0
    let token = CancellationToken()
    let run = try t.run(cancellation: token) { p in
      seen = p.step
      if p.step == 3 { token.request() }
    }
    XCTAssertTrue(run.interrupted)
    XCTAssertEqual(run.steps, 3)
    XCTAssertEqual(seen, 3)
    XCTAssertEqual(run.history.rows, 1)
  }

  func testSupervisedNeedsNoUnlabeledData() throws {
    let data = try TrainerTests.toyData(count: 60, seed: 1)
    var cfg = TrainConfig(steps: 3)
    cfg.batchSize = 8
    let t = try Trainer(model: try Model.convnet(width: 4, classes: 3, inChannels: 1), algorithm: Supervised(),
                        labeled: data, unlabeled: nil, eval: nil, config: cfg)
    XCTAssertEqual(try t.run().steps, 3)
    XCTAssertThrowsError(try Trainer(model: try Model.convnet(width: 4, classes: 3, inChannels: 1), algorithm: FixMatch(),
                                     labeled: data, unlabeled: nil, eval: nil, config: cfg)) { e in
      XCTAssertTrue("\(e)".contains("needs an unlabeled dataset"))
    }
  }

  func testHistoryFromDamagedColumnsIsConsistent() {
    var h = History(columns: ["step", "loss", "step", "gone"], data: ["step": [1, 2, 3], "loss": [0.5]])
    XCTAssertEqual(h.columns, ["step", "loss"])
    XCTAssertEqual(h.rows, 1)
    h.append([("step", 4)])
    XCTAssertEqual(h["step"]!, [1, 4])
    XCTAssertEqual(h.csv(), "step,loss\n1,0.5\n4,\n")
  }
}
