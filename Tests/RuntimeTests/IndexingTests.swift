import XCTest
@testable import Runtime
import TestSupport

/// NumPy-style indexing: values against hand results (Python semantics for slices),
/// gradients by finite differences (rtol 1e-2, atol 1e-3), and error messages.
final class IndexingTests: XCTestCase {
  let t = Tensor(shape: [3, 4], values: (0..<12).map(Float.init))

  func testBasicIndexingMatchesNumPy() throws {
    XCTAssertEqual(try t.index([.index(1)]).values, [4, 5, 6, 7])
    XCTAssertEqual(try t.index([.index(1)]).shape, [4])
    XCTAssertEqual(try t.index([.index(-1), .index(-1)]).shape, [])
    XCTAssertEqual(try t.index([.index(-1), .index(-1)]).values, [11])
    XCTAssertEqual(try t.index([.all, .slice(start: 1, end: 3, step: nil)]).values, [1, 2, 5, 6, 9, 10])
    XCTAssertEqual(try t.index([.all, .index(0)]).values, [0, 4, 8])
    // t[::-1, ::2]
    XCTAssertEqual(try t.index([.slice(start: nil, end: nil, step: -1), .slice(start: nil, end: nil, step: 2)]).values,
                   [8, 10, 4, 6, 0, 2])
    // t[1:, -2:] and clamped bounds t[-10:10]
    XCTAssertEqual(try t.index([.slice(start: 1, end: nil, step: nil), .slice(start: -2, end: nil, step: nil)]).values, [6, 7, 10, 11])
    XCTAssertEqual(try t.index([.slice(start: -10, end: 10, step: nil)]).shape, [3, 4])
    // Empty slice t[2:1]
    XCTAssertEqual(try t.index([.slice(start: 2, end: 1, step: nil)]).shape, [0, 4])
    // t[[2, 0, 2], 1::2]
    XCTAssertEqual(try t.index([.list([2, 0, 2]), .slice(start: 1, end: nil, step: 2)]).values, [9, 11, 1, 3, 9, 11])
    XCTAssertEqual(try t.index([.all, .list([-1])]).shape, [3, 1])
    // t[3::-1] on the first dim goes 2, 1, 0 (start clamped to n-1).
    XCTAssertEqual(try t.index([.slice(start: 3, end: nil, step: -1), .index(0)]).values, [8, 4, 0])
    XCTAssertEqual(try t.index([]).values, t.values)
  }

  func testRunsMatchPerElementGather() throws {
    var rng = RNG(seed: 8)
    let x = randomTensor([3, 4, 5], &rng)
    let cases: [[TensorIndex]] = [
      [.all, .slice(start: 1, end: 3, step: nil), .all], [.list([2, 0]), .all, .slice(start: 1, end: 4, step: nil)],
      [.index(1), .list([3, 3, 0])], [.all, .all, .index(-1)], [.slice(start: nil, end: nil, step: -2), .index(2), .all],
    ]
    for (k, idx) in cases.enumerated() {
      let got = try x.index(idx)
      // Reference: enumerate all input positions, keep the selected ones in order.
      let plan = try IndexPlan(idx, shape: x.shape, op: "t")
      var ref: [Float] = []
      for a in plan.positions[0] { for b in plan.positions[1] { for c in plan.positions[2] {
        ref.append(x.values[a * 20 + b * 5 + c])
      } } }
      XCTAssertEqual(got.values, ref, "case \(k)")
      let r = try gradCheck([x.requiringGrad()]) { try $0[0].index(idx) }
      XCTAssertTrue(r.ok, "case \(k): \(r.report)")
      x.requiresGrad = false
    }
  }

  func testDuplicateListIndicesAccumulateGradient() throws {
    let p = t.copy().requiringGrad()
    try p.index([.list([0, 0]), .index(1)]).sum().backward()
    var expect = [Float](repeating: 0, count: 12)
    expect[1] = 2
    XCTAssertEqual(p.grad?.values, expect)
  }

  func testSetIndex() throws {
    let x = t.copy()
    try x.setIndex([.index(0)], value: Tensor(shape: [4], values: [9, 9, 9, 9]))
    try x.setIndex([.all, .index(-1)], value: -1)
    try x.setIndex([.slice(start: 1, end: nil, step: nil), .slice(start: 0, end: 2, step: nil)], value: Tensor(shape: [1, 2], values: [7, 8]))
    XCTAssertEqual(x.values, [9, 9, 9, -1, 7, 8, 6, -1, 7, 8, 10, -1])
    // Value aliasing the target is read before writing.
    let y = t.copy()
    try y.setIndex([.index(0)], value: y.index([.index(1)]))
    XCTAssertEqual(Array(y.values.prefix(4)), [4, 5, 6, 7])
    XCTAssertThrowsError(try x.setIndex([.index(0)], value: Tensor(zeros: [3]))) { e in
      XCTAssertEqual("\(e)", "setIndex: shapes [3] and [4] cannot be broadcast together (value and selection)")
    }
    let p = t.copy().requiringGrad()
    XCTAssertThrowsError(try p.setIndex([.index(0)], value: 1)) { e in
      XCTAssertEqual("\(e)", "setIndex: cannot modify a tensor that requires grad in place (do it under no_grad)")
    }
    try GradMode.noGrad { try p.setIndex([.index(0), .index(0)], value: 5) }
    XCTAssertEqual(p.values[0], 5)
  }

  func testIndexErrors() {
    XCTAssertThrowsError(try t.index([.index(3)])) { e in
      XCTAssertEqual("\(e)", "index: index 3 is out of range for size 3")
    }
    XCTAssertThrowsError(try t.index([.all, .index(-5)])) { e in
      XCTAssertEqual("\(e)", "index: index -5 is out of range for size 4")
    }
    XCTAssertThrowsError(try t.index([.all, .all, .all])) { e in
      XCTAssertEqual("\(e)", "index: too many indices (3) for a tensor of rank 2")
    }
    XCTAssertThrowsError(try t.index([.slice(start: nil, end: nil, step: 0)])) { e in
      XCTAssertEqual("\(e)", "index: slice step cannot be zero")
    }
    XCTAssertThrowsError(try t.index([.list([0, 7])])) { e in
      XCTAssertEqual("\(e)", "index: index 7 is out of range for size 3")
    }
  }
}
