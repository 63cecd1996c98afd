import XCTest
@testable import Runtime
import TestSupport

/// Reshape, transpose/permute, concat/stack and indexSelect: values against naive twins
/// and hand results; gradients by finite differences (rtol 1e-2, atol 1e-3).
final class MovementTests: XCTestCase {
  func testReshapeSharesStorageAndInfers() throws {
    let t = try Tensor.arange(6)
    let r = try t.reshape([2, -1])
    XCTAssertEqual(r.shape, [2, 3])
    XCTAssertTrue(r.storage === t.storage)
    XCTAssertEqual(try t.reshape([3, 2]).flatten().shape, [6])
    XCTAssertEqual(try Tensor(zeros: [2, 3, 4]).flatten(from: 1).shape, [2, 12])
    XCTAssertEqual(try Tensor(zeros: [2, 3]).unsqueeze(1).shape, [2, 1, 3])
    XCTAssertEqual(try Tensor(zeros: [2, 1, 3]).squeeze(1).shape, [2, 3])
    XCTAssertThrowsError(try t.reshape([4, -1])) { e in
      XCTAssertEqual("\(e)", "reshape: shapes [6] and [4, -1] are incompatible (cannot infer -1)")
    }
    XCTAssertThrowsError(try t.reshape([4])) { e in
      XCTAssertEqual("\(e)", "reshape: shapes [6] and [4] have different element counts")
    }
    XCTAssertThrowsError(try t.reshape([-1, -1])) { e in
      XCTAssertEqual("\(e)", "reshape: only one dimension can be -1, got [-1, -1]")
    }
    var rng = RNG(seed: 1)
    let r2 = try gradCheck([randomTensor([2, 6], &rng).requiringGrad()]) { try $0[0].reshape([3, 4]).mul($0[0].reshape([3, 4])) }
    XCTAssertTrue(r2.ok, r2.report)
  }

  func testTransposeAndPermuteMatchReference() throws {
    var rng = RNG(seed: 2)
    let cases: [([Int], [Int])] = [
      ([3, 4], [1, 0]), ([70, 45], [1, 0]), ([2, 3, 4], [0, 2, 1]), ([2, 3, 4], [2, 0, 1]),
      ([2, 3, 4, 5], [0, 2, 3, 1]), ([2, 3, 4, 5], [1, 0, 2, 3]), ([2, 3, 4], [0, 1, 2]),
    ]
    for (seed, (shape, perm)) in cases.enumerated() {
      let t = randomTensor(shape, &rng)
      let p = try t.permute(perm)
      XCTAssertEqual(p.shape, perm.map { shape[$0] })
      XCTAssertEqual(p.values, permuteReference(t.values, shape, perm), "case \(seed) \(shape) \(perm)")
      if t.count < 200 {
        let r = try gradCheck([t.requiringGrad()]) { try $0[0].permute(perm) }
        XCTAssertTrue(r.ok, "case \(seed): \(r.report)")
      }
    }
    let m = Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
    XCTAssertEqual(try m.transpose().values, [1, 4, 2, 5, 3, 6])
    XCTAssertEqual(try m.transpose([-1, 0]).shape, [3, 2])
    XCTAssertThrowsError(try m.transpose([0, 0])) { e in
      XCTAssertEqual("\(e)", "transpose: [0, 0] is not a permutation of the 2 dimensions of shape [2, 3]")
    }
  }

  func testConcatAndStack() throws {
    let a = Tensor(shape: [2, 2], values: [1, 2, 3, 4]), b = Tensor(shape: [2, 1], values: [5, 6])
    let c = try Tensor.concat([a, b], axis: 1)
    XCTAssertEqual(c.shape, [2, 3])
    XCTAssertEqual(c.values, [1, 2, 5, 3, 4, 6])
    XCTAssertEqual(try Tensor.concat([a, a], axis: 0).values, [1, 2, 3, 4, 1, 2, 3, 4])
    let s = try Tensor.stack([a, a], axis: 2)
    XCTAssertEqual(s.shape, [2, 2, 2])
    XCTAssertEqual(s.values, [1, 1, 2, 2, 3, 3, 4, 4])
    XCTAssertEqual(try Tensor.stack([Tensor(scalar: 1), Tensor(scalar: 2)]).values, [1, 2])

    var rng = RNG(seed: 3)
    let x = randomTensor([2, 3, 2], &rng).requiringGrad(), y = randomTensor([2, 1, 2], &rng).requiringGrad()
    let r = try gradCheck([x, y]) { try Tensor.concat([$0[0], $0[1], $0[0]], axis: 1) }
    XCTAssertTrue(r.ok, r.report)
    let z = randomTensor([2, 3, 2], &rng).requiringGrad()
    let r2 = try gradCheck([x, z]) { try Tensor.stack([$0[0], $0[1]], axis: -1) }
    XCTAssertTrue(r2.ok, r2.report)

    XCTAssertThrowsError(try Tensor.concat([a, b], axis: 0)) { e in
      XCTAssertEqual("\(e)", "concat: shapes [2, 2] and [2, 1] differ outside axis 0")
    }
    XCTAssertThrowsError(try Tensor.concat([], axis: 0)) { e in
      XCTAssertEqual("\(e)", "concat: needs at least one tensor")
    }
    XCTAssertThrowsError(try Tensor.stack([a, b])) { e in
      XCTAssertEqual("\(e)", "stack: shapes [2, 2] and [2, 1] differ (stack needs equal shapes)")
    }
  }

  func testIndexSelect() throws {
    let t = Tensor(shape: [3, 2], values: [1, 2, 3, 4, 5, 6])
    XCTAssertEqual(try t.indexSelect([2, 0, -1], axis: 0).values, [5, 6, 1, 2, 5, 6])
    XCTAssertEqual(try t.indexSelect([1], axis: 1).values, [2, 4, 6])
    XCTAssertEqual(try t.indexSelect([1], axis: 1).shape, [3, 1])
    let p = t.copy().requiringGrad()
    try p.indexSelect([0, 0, 2], axis: 0).sum().backward()
    XCTAssertEqual(p.grad?.values, [2, 2, 0, 0, 1, 1])
    var rng = RNG(seed: 4)
    let r = try gradCheck([randomTensor([2, 4, 3], &rng).requiringGrad()]) { try $0[0].indexSelect([3, 1, 1, -4], axis: 1) }
    XCTAssertTrue(r.ok, r.report)
    XCTAssertThrowsError(try t.indexSelect([3], axis: 0)) { e in
      XCTAssertEqual("\(e)", "indexSelect: index 3 is out of range for size 3")
    }
    XCTAssertThrowsError(try t.indexSelect([-4], axis: 0)) { e in
      XCTAssertEqual("\(e)", "indexSelect: index -4 is out of range for size 3")
    }
  }

  func testBroadcastTo() throws {
    var rng = RNG(seed: 6)
    let t = randomTensor([3, 1], &rng).requiringGrad()
    XCTAssertEqual(try t.broadcast(to: [2, 3, 4]).shape, [2, 3, 4])
    let r = try gradCheck([t]) { try $0[0].broadcast(to: [2, 3, 4]) }
    XCTAssertTrue(r.ok, r.report)
    XCTAssertThrowsError(try t.broadcast(to: [3])) { e in
      XCTAssertEqual("\(e)", "broadcast: shapes [3, 1] and [3] cannot be broadcast together")
    }
  }
}

final class MovementLimitTests: XCTestCase {
  /// Absurd user sizes are errors, not integer-overflow traps.
  func testHugeOrNegativeSizesAreErrors() throws {
    let t = Tensor(zeros: [4])
    XCTAssertThrowsError(try t.reshape([Int.max, 2, -1])) { e in XCTAssertTrue("\(e)".hasPrefix("reshape:"), "\(e)") }
    XCTAssertThrowsError(try t.reshape([Int.max, Int.max])) { e in XCTAssertTrue("\(e)".hasPrefix("reshape:"), "\(e)") }
    XCTAssertThrowsError(try Tensor(zeros: [1]).broadcast(to: [-5])) { e in
      XCTAssertEqual("\(e)", "broadcast: negative dimension -5 in shape [-5]")
    }
    XCTAssertEqual(try Tensor.arange(0, -1e300, 1).count, 0)
  }
}
