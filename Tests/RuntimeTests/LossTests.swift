import XCTest
@testable import Runtime
import TestSupport

/// Softmax family and cross-entropy: values against Float64 twins and hand values,
/// gradients by finite differences (rtol 1e-2, atol 1e-3, eps 1e-2).
final class LossTests: XCTestCase {
  func testSoftmaxMatchesReferenceOnEveryAxis() throws {
    var rng = RNG(seed: 9)
    let shape = [2, 3, 4]
    let t = randomTensor(shape, &rng, scale: 3)
    for axis in 0..<3 {
      let (o, n, i) = try Shape.split(shape, axis: axis, op: "t")
      for log in [false, true] {
        let got = try (log ? t.logSoftmax(axis: axis) : t.softmax(axis: axis)).values
        XCTAssertTrue(allClose(got, softmaxAxisReference(t.values, outer: o, n: n, inner: i, log: log), rtol: 1e-5, atol: 1e-6),
                      "axis \(axis) log \(log)")
        let r = try gradCheck([t.requiringGrad()]) { try log ? $0[0].logSoftmax(axis: axis) : $0[0].softmax(axis: axis) }
        XCTAssertTrue(r.ok, "axis \(axis) log \(log): \(r.report)")
      }
    }
  }

  func testSoftmaxIsStableForLargeLogits() throws {
    let t = Tensor(shape: [1, 3], values: [1000, 1001, 1002])
    XCTAssertTrue(allClose(try t.softmax().values, [0.09003057, 0.24472847, 0.66524096]))
    XCTAssertTrue(allClose(try t.logSoftmax().values, [-2.4076059, -1.4076059, -0.40760596]))
    XCTAssertFalse(try Tensor(shape: [2], values: [-1e30, 1e30]).logSoftmax().values.contains { $0.isNaN })
  }

  func testCrossEntropyHandValue() throws {
    // logits [[0, 0], [ln 3, 0]]; labels [0, 1]: losses ln 2 and ln 4.
    let x = Tensor(shape: [2, 2], values: [0, 0, Float(Foundation.log(3.0)), 0]).requiringGrad()
    let l = try x.crossEntropy(labels: [0, 1])
    XCTAssertEqual(try l.item(), Float((Foundation.log(2.0) + Foundation.log(4.0)) / 2), accuracy: 1e-6)
    try l.backward()
    // d/dx = (softmax - onehot) / N
    XCTAssertTrue(allClose(x.grad!.values, [-0.25, 0.25, 0.375, -0.375]))
    XCTAssertTrue(allClose(try x.crossEntropy(labels: [0, 1], reduction: .none).values, [Float(Foundation.log(2.0)), Float(Foundation.log(4.0))]))
    XCTAssertEqual(try x.crossEntropy(labels: [0, 1], reduction: .sum).item(), Float(Foundation.log(8.0)), accuracy: 1e-6)
    // Weighted mean divides by N, not by the weight sum (masked-mean convention).
    let w = Tensor(shape: [2], values: [0, 1])
    XCTAssertEqual(try x.crossEntropy(labels: [0, 1], weights: w).item(), Float(Foundation.log(4.0) / 2), accuracy: 1e-6)
  }

  func testCrossEntropyMatchesComposite() throws {
    var rng = RNG(seed: 13)
    let x = randomTensor([5, 4], &rng, scale: 2)
    let labels = [3, 0, 1, 1, 2]
    let fused = try x.crossEntropy(labels: labels, reduction: .none).values
    let lsm = try x.logSoftmax().values
    XCTAssertTrue(allClose(fused, labels.enumerated().map { -lsm[$0.offset * 4 + $0.element] }, rtol: 1e-5, atol: 1e-6))
    let soft = try x.crossEntropy(targets: Tensor.oneHot(labels, classes: 4), reduction: .none).values
    XCTAssertTrue(allClose(fused, soft, rtol: 1e-5, atol: 1e-6))
  }

  func testCrossEntropyGradients() throws {
    var rng = RNG(seed: 17)
    for seed in 0..<3 {
      let x = randomTensor([4, 5], &rng, scale: 2).requiringGrad()
      let w = uniformTensor([4], &rng, 0, 1).requiringGrad()
      let labels = (0..<4).map { _ in rng.int(below: 5) }
      for red in Reduction.allCases {
        let r = try gradCheck([x, w]) { try $0[0].crossEntropy(labels: labels, weights: $0[1], reduction: red) }
        XCTAssertTrue(r.ok, "hard seed \(seed) \(red): \(r.report)")
        let t = try randomTensor([4, 5], &rng).softmax().requiringGrad()
        let r2 = try gradCheck([x, t, w]) { try $0[0].crossEntropy(targets: $0[1], weights: $0[2], reduction: red) }
        XCTAssertTrue(r2.ok, "soft seed \(seed) \(red): \(r2.report)")
      }
    }
  }

  func testOneHotAndErrors() throws {
    XCTAssertEqual(try Tensor.oneHot([2, 0], classes: 3).values, [0, 0, 1, 1, 0, 0])
    let x = Tensor(zeros: [2, 3])
    XCTAssertThrowsError(try x.crossEntropy(labels: [0, 3])) { e in
      XCTAssertEqual("\(e)", "crossEntropy: label 3 is out of range for 3 classes")
    }
    XCTAssertThrowsError(try x.crossEntropy(labels: [0])) { e in
      XCTAssertEqual("\(e)", "crossEntropy: got 1 labels for 2 rows of logits")
    }
    XCTAssertThrowsError(try Tensor(zeros: [3]).crossEntropy(labels: [0])) { e in
      XCTAssertEqual("\(e)", "crossEntropy: expected logits of shape [N, C], got [3]")
    }
    XCTAssertThrowsError(try x.crossEntropy(labels: [0, 1], weights: Tensor(zeros: [3]))) { e in
      XCTAssertEqual("\(e)", "crossEntropy: shapes [2, 3] and [3] do not match (weights must be [N] for logits [N, C])")
    }
    XCTAssertThrowsError(try x.crossEntropy(targets: Tensor(zeros: [2, 2]))) { e in
      XCTAssertEqual("\(e)", "crossEntropy: shapes [2, 3] and [2, 2] differ (soft targets must match the logits)")
    }
    XCTAssertThrowsError(try Tensor.oneHot([-1], classes: 3)) { e in
      XCTAssertEqual("\(e)", "oneHot: label -1 is out of range for 3 classes")
    }
  }
}
