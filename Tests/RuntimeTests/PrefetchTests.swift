import XCTest
@testable import Runtime
import TestSupport

/// The trainer prepares the next batches on a background thread; the run must not change.
final class PrefetchTests: XCTestCase {
  func makeTrainer(prefetch: Bool) throws -> Trainer {
    let data = try TrainerTests.toyData(count: 300, seed: 1)
    let (l, u) = try data.sslSplit(perClass: 4, seed: 0)
    var cfg = TrainConfig(steps: 6)
    cfg.batchSize = 8; cfg.mu = 3; cfg.evalEvery = 3; cfg.seed = 5
    let t = try Trainer(model: try Model.convnet(width: 4, classes: 3, inChannels: 1, seed: 2), algorithm: FixMatch(tau: 0.6),
                        labeled: l, unlabeled: u, eval: try TrainerTests.toyData(count: 30, seed: 2), config: cfg)
    t.labeledSampler.prefetches = prefetch
    t.unlabeledSampler?.prefetches = prefetch
    return t
  }

  /// Same seed, prefetch on and off: bit-identical weights (live and EMA) and sampler states.
  func testPrefetchGivesIdenticalRun() throws {
    let on = try makeTrainer(prefetch: true), off = try makeTrainer(prefetch: false)
    XCTAssertTrue(on.labeledSampler.prefetches)
    for i in 0..<6 {
      try on.trainStep(); try off.trainStep()
      // Mid-run, the reported state (what a checkpoint saves) ignores the batch prepared ahead.
      XCTAssertEqual(on.labeledSampler.state, off.labeledSampler.state, "step \(i)")
      XCTAssertEqual(on.unlabeledSampler?.state, off.unlabeledSampler?.state, "step \(i)")
      XCTAssertEqual(on.labeledSampler.step, i + 1)
    }
    XCTAssertNotNil(on.unlabeledSampler?.ahead, "a batch is being prepared")
    XCTAssertEqual(on.model.parameters.map(\.values), off.model.parameters.map(\.values))
    XCTAssertEqual(on.run.model.parameters.map(\.values), off.run.model.parameters.map(\.values))
  }

  /// Restoring a state drops the prefetched batch: the next batch is the saved sampler's.
  func testRestoreDiscardsPrefetchedBatch() throws {
    let data = try TrainerTests.toyData(count: 60, seed: 1)
    let a = try LabeledSampler(dataset: data, batchSize: 7, seed: 4), b = try LabeledSampler(dataset: data, batchSize: 7, seed: 4)
    a.prefetches = true
    _ = try a.next(); _ = try a.next()
    let saved = a.state
    let third = try a.next()
    try a.restore(saved)
    XCTAssertEqual(try a.next().images.values, third.images.values)
    for _ in 0..<3 { _ = try b.next() }
    XCTAssertEqual(try a.next().images.values, try b.next().images.values)
  }
}
