import XCTest
@testable import Runtime

final class SamplerTests: XCTestCase {
  func testLabeledSamplerIsDeterministicAndCoversEachEpoch() throws {
    let d = try randomDataset(perClass: 5)  // 50 samples
    let stats = d.channelStats()
    let a = try LabeledSampler(dataset: d, batchSize: 16, seed: 3, normalization: stats)
    let b = try LabeledSampler(dataset: d, batchSize: 16, seed: 3, normalization: stats)
    var drawn: [Int] = []
    for _ in 0..<25 {  // 400 indices = 8 epochs
      let x = try a.next(), y = try b.next()
      XCTAssertEqual(x.indices, y.indices)
      XCTAssertEqual(x.images.values, y.images.values)
      XCTAssertEqual(x.images.shape, [16, 1, 8, 8])
      XCTAssertEqual(x.labels, x.indices.map { d.labels[$0] })
      drawn += x.indices
    }
    for e in 0..<8 {
      XCTAssertEqual(drawn[e * 50 ..< (e + 1) * 50].sorted(), Array(0..<50), "epoch \(e) is a permutation")
    }
    XCTAssertNotEqual(Array(drawn[0..<50]), Array(drawn[50..<100]), "each epoch has a fresh order")
    XCTAssertEqual(a.epoch, 8)
    let c = try LabeledSampler(dataset: d, batchSize: 16, seed: 4, normalization: stats)
    XCTAssertNotEqual(try c.next().indices, try LabeledSampler(dataset: d, batchSize: 16, seed: 3).next().indices)
  }

  func testUnlabeledSamplerGivesTwoViewsOfTheSameImages() throws {
    let d = try randomDataset(perClass: 4, c: 3, h: 10, w: 10)
    let s = try UnlabeledSampler(dataset: d, batchSize: 24, seed: 1)
    let lab = try LabeledSampler(dataset: d, batchSize: 24, seed: 1)
    let batch = try s.next()
    XCTAssertNotEqual(batch.indices, try lab.next().indices, "labeled and unlabeled streams are independent")
    XCTAssertEqual(batch.weak.shape, [24, 3, 10, 10])
    XCTAssertEqual(batch.strong.shape, [24, 3, 10, 10])
    XCTAssertNotEqual(batch.weak.values, batch.strong.values)
    // Normalised with the dataset's statistics: the weak views of a random dataset have mean ~0.
    let mean = batch.weak.values.reduce(0, +) / Float(batch.weak.count)
    XCTAssertEqual(mean, 0, accuracy: 0.1)
    // Both views come from the images at `indices`: with no augmentation they equal them.
    let plain = try UnlabeledSampler(dataset: d, batchSize: 5, seed: 2, weak: .none, strong: Augmentation.none, normalization: .identity(channels: 3))
    let p = try plain.next()
    XCTAssertEqual(p.weak.values, p.strong.values)
    XCTAssertEqual(p.weak.values, try d.batch(p.indices).values)
  }

  func testSamplerStateRoundTripResumesExactly() throws {
    let d = try randomDataset(perClass: 3)  // 30 samples
    let a = try UnlabeledSampler(dataset: d, batchSize: 7, seed: 9)
    for _ in 0..<6 { _ = try a.next() }  // 42 indices: mid second epoch
    let saved = a.state
    let encoded = try JSONEncoder().encode(saved)
    let decoded = try JSONDecoder().decode(SamplerState.self, from: encoded)
    XCTAssertEqual(decoded, saved)
    let b = try UnlabeledSampler(dataset: d, batchSize: 7, seed: 9)
    try b.restore(decoded)
    for _ in 0..<10 {
      let x = try a.next(), y = try b.next()
      XCTAssertEqual(x.indices, y.indices)
      XCTAssertEqual(x.strong.values, y.strong.values)
    }
    let l = try LabeledSampler(dataset: d, batchSize: 4, seed: 1)
    for _ in 0..<9 { _ = try l.next() }
    let l2 = try LabeledSampler(dataset: d, batchSize: 4, seed: 1)
    try l2.restore(l.state)
    XCTAssertEqual(try l.next().images.values, try l2.next().images.values)
    let other = try randomDataset(perClass: 2)
    assertThrowsMessage(try LabeledSampler(dataset: other, batchSize: 4, seed: 1).restore(l.state), contains: ["30 samples", "has 20"])
    assertThrowsMessage(try LabeledSampler(dataset: d, batchSize: 0, seed: 1), contains: ["batch size must be >= 1"])
    assertThrowsMessage(try LabeledSampler(dataset: d.take(0), batchSize: 4, seed: 1), contains: ["is empty"])
  }

  /// Reports the augmentation cost of one FixMatch step (64 labeled + 448 unlabeled x 2 views).
  func testAugmentationCostPerFixMatchStep() throws {
    let path = "/usr/share/datasets/fashion-mnist"
    let d = FileBytes.isDirectory(path) ? try Dataset.fashionMNIST(split: "test") : try randomDataset(perClass: 100, h: 28, w: 28)
    let stats = d.channelStats()
    let lab = try LabeledSampler(dataset: d, batchSize: 64, seed: 1, normalization: stats)
    let unl = try UnlabeledSampler(dataset: d, batchSize: 448, seed: 2, normalization: stats)
    _ = try lab.next(); _ = try unl.next()
    let steps = 10
    let clock = ContinuousClock()
    let t = clock.measure {
      for _ in 0..<steps { _ = try? lab.next(); _ = try? unl.next() }
    }
    let ms = (Double(t.components.seconds) * 1e3 + Double(t.components.attoseconds) * 1e-15) / Double(steps)
    print("augmentation: \(String(format: "%.2f", ms)) ms per step (64 labeled weak + 448 unlabeled weak+strong, 28x28, \(BatchAugmenter.cores) cores)")
    #if !DEBUG
    XCTAssertLessThan(ms, 50, "augmentation must not dominate a training step")
    #endif
  }
}

import Foundation
