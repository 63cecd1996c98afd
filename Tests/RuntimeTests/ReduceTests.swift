import XCTest
@testable import Runtime
import TestSupport

/// Reductions: values against naive twins and hand sums; gradients by finite differences
/// (rtol 1e-2, atol 1e-3, eps 1e-2; see `gradCheck`).
final class ReduceTests: XCTestCase {
  let x = Tensor(shape: [2, 3], values: [1, 5, 3, 4, 2, 6])

  func testHandComputedReductions() throws {
    XCTAssertEqual(try x.sum().values, [21])
    XCTAssertEqual(try x.sum().shape, [])
    XCTAssertEqual(try x.sum(axis: 0).values, [5, 7, 9])
    XCTAssertEqual(try x.sum(axis: -1).values, [9, 12])
    XCTAssertEqual(try x.sum(axis: 1, keepDims: true).shape, [2, 1])
    XCTAssertEqual(try x.sum(keepDims: true).shape, [1, 1])
    XCTAssertEqual(try x.mean(axis: 0).values, [2.5, 3.5, 4.5])
    XCTAssertEqual(try x.max().values, [6])
    XCTAssertEqual(try x.max(axis: 1).values, [5, 6])
    XCTAssertEqual(try x.min(axis: 0).values, [1, 2, 3])
    XCTAssertEqual(try x.argmax(axis: 1).values, [1, 2])
    XCTAssertEqual(try x.argmin(axis: 0).values, [0, 1, 0])
    XCTAssertEqual(try x.argmax().values, [5])
    XCTAssertTrue(isClose(try x.variance().item(), 17.5 / 6))
    XCTAssertTrue(isClose(try x.variance(unbiased: true).item(), 17.5 / 5))
    XCTAssertTrue(allClose(try x.std(axis: 1).values, [Float((8.0 / 3).squareRoot()), Float((8.0 / 3).squareRoot())]))
    XCTAssertEqual(try Tensor(scalar: 4).sum(axis: 0).values, [4])
  }

  func testSumKernelMatchesReferenceAndIsAccurate() throws {
    var rng = RNG(seed: 5)
    for (seed, shape) in [[7], [3, 5], [2, 3, 4], [4, 1, 6]].enumerated() {
      let t = randomTensor(shape, &rng)
      for axis in 0..<shape.count {
        let (o, n, i) = try Shape.split(shape, axis: axis, op: "t")
        XCTAssertTrue(allClose(try t.sum(axis: axis).values, sumAxisReference(t.values, outer: o, n: n, inner: i)),
                      "seed \(seed) shape \(shape) axis \(axis)")
      }
    }
    // Float64 accumulation: 1 + 1e6 copies of 1e-4 would drift by ~1% in Float32.
    let big = try Tensor.full([1_000_000], 1e-4)
    XCTAssertEqual(try big.sum().item(), 100, accuracy: 1e-3)
  }

  func testReductionGradients() throws {
    var rng = RNG(seed: 21)
    for (seed, shape) in [[5], [3, 4], [2, 3, 4]].enumerated() {
      let t = randomTensor(shape, &rng).requiringGrad()
      var axes: [Int?] = [nil]
      axes += (-shape.count..<shape.count).map { $0 }
      for axis in axes {
        for keep in [false, true] {
          let fs: [(String, (Tensor) throws -> Tensor)] = [
            ("sum", { try $0.sum(axis: axis, keepDims: keep) }), ("mean", { try $0.mean(axis: axis, keepDims: keep) }),
            ("max", { try $0.max(axis: axis, keepDims: keep) }), ("min", { try $0.min(axis: axis, keepDims: keep) }),
            ("variance", { try $0.variance(axis: axis, keepDims: keep, unbiased: true) }),
            ("std", { try $0.std(axis: axis, keepDims: keep) }),
          ]
          for (name, f) in fs {
            let r = try gradCheck([t]) { try f($0[0]) }
            XCTAssertTrue(r.ok, "\(name) seed \(seed) shape \(shape) axis \(String(describing: axis)) keep \(keep): \(r.report)")
          }
        }
      }
    }
  }

  func testMaxGradientGoesToFirstMaximum() throws {
    let t = Tensor(shape: [2, 3], values: [1, 3, 3, 2, 2, 0]).requiringGrad()
    try t.max(axis: 1).sum().backward()
    XCTAssertEqual(t.grad?.values, [0, 1, 0, 1, 0, 0])
    XCTAssertEqual(try t.argmax(axis: 1).values, [1, 0])
  }

  func testReductionErrors() {
    XCTAssertThrowsError(try x.sum(axis: 2)) { e in
      XCTAssertEqual("\(e)", "sum: axis 2 is out of range for a tensor of rank 2")
    }
    XCTAssertThrowsError(try x.mean(axis: -3)) { e in
      XCTAssertEqual("\(e)", "mean: axis -3 is out of range for a tensor of rank 2")
    }
    XCTAssertThrowsError(try Tensor(zeros: [0, 3]).max(axis: 0)) { e in
      XCTAssertEqual("\(e)", "max: cannot reduce an empty axis (shape [0, 3])")
    }
    XCTAssertThrowsError(try Tensor(zeros: [0]).argmin()) { e in
      XCTAssertEqual("\(e)", "argmin: cannot reduce an empty axis (shape [0])")
    }
  }
}

final class ReduceExtraTests: XCTestCase {
  func testLogSumExp() throws {
    let t = Tensor(shape: [2, 2], values: [1000, 1000, 0, Float(Foundation.log(3.0))])
    XCTAssertTrue(allClose(try t.logSumExp(axis: 1).values, [1000 + Float(Foundation.log(2.0)), Float(Foundation.log(4.0))]))
    XCTAssertEqual(try t.logSumExp().shape, [])
    XCTAssertEqual(try t.logSumExp(axis: 0, keepDims: true).shape, [1, 2])
    XCTAssertEqual(try Tensor(shape: [2], values: [-.infinity, -.infinity]).logSumExp().item(), -.infinity)
    var rng = RNG(seed: 2)
    for axis in [nil, 0, -1] as [Int?] {
      let r = try gradCheck([randomTensor([3, 4], &rng).requiringGrad()]) { try $0[0].logSumExp(axis: axis) }
      XCTAssertTrue(r.ok, "axis \(String(describing: axis)): \(r.report)")
    }
  }

  func testModFollowsPython() throws {
    let a = Tensor(shape: [4], values: [7, -7, 7, -7]), b = Tensor(shape: [4], values: [3, 3, -3, -3])
    XCTAssertEqual(try (a % b).values, [1, 2, -2, -1])
    XCTAssertEqual(try (a % 3).values, [1, 2, 1, 2])
    var rng = RNG(seed: 4)
    let x = uniformTensor([2, 3], &rng, 0.2, 0.8).requiringGrad(), y = uniformTensor([3], &rng, 1.5, 2.5).requiringGrad()
    let r = try gradCheck([x, try x.mul(5).detached().requiringGrad(), y]) { try $0[0].add($0[1]).mod($0[2]) }
    XCTAssertTrue(r.ok, r.report)
  }
}

final class ReduceNaNTests: XCTestCase {
  /// NaN is the extreme (as NumPy's max/argmax): it propagates and its index is reported.
  func testNaNPropagatesThroughMaxAndMin() throws {
    let t = Tensor(shape: [2, 3], values: [1, .nan, 3, 4, 5, 6])
    let m = try t.max(axis: 1).values
    XCTAssertTrue(m[0].isNaN)
    XCTAssertEqual(m[1], 6)
    XCTAssertEqual(try t.argmax(axis: 1).values, [1, 2])
    XCTAssertEqual(try t.argmin(axis: 1).values, [1, 0])
    XCTAssertEqual(try t.argmin(axis: 0).values, [0, 0, 0])
  }
}

final class MultiAxisReduceTests: XCTestCase {
  func testSumAndMeanOverSeveralAxes() throws {
    var rng = RNG(seed: 31)
    let x = randomTensor([2, 3, 2, 2], &rng)
    let s = try x.sum(axes: [0, 2, 3])
    XCTAssertEqual(s.shape, [3])
    let v = x.values
    for c in 0..<3 {
      var e: Float = 0
      for n in 0..<2 { for i in 0..<4 { e += v[n * 12 + c * 4 + i] } }
      XCTAssertEqual(s.values[c], e, accuracy: 1e-5)
    }
    XCTAssertEqual(try x.mean(axes: [0, -1, 2], keepDims: true).shape, [1, 3, 1, 1])
    let r = try gradCheck([x.requiringGrad()]) { try $0[0].mean(axes: [3, 0]) }
    XCTAssertTrue(r.ok, r.report)
    XCTAssertThrowsError(try x.sum(axes: [1, -3])) { e in
      XCTAssertEqual("\(e)", "sum: repeated axis in [1, -3]")
    }
  }
}
