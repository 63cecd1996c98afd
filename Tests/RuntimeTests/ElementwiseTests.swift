import XCTest
@testable import Runtime
import TestSupport

/// Gradient checks use eps 1e-2 with rtol 1e-2, atol 1e-3 (see `gradCheck`): Float32
/// forward passes on O(1) inputs make central differences accurate to ~1e-4 here.
final class ElementwiseTests: XCTestCase {
  /// Shape pairs covering same-shape, scalar, row, column and two-sided broadcasts.
  let shapePairs: [([Int], [Int])] = [
    ([2, 3], [2, 3]), ([2, 3], [3]), ([2, 3], []), ([], [2, 3]), ([4, 1], [1, 5]),
    ([2, 1, 4], [3, 1]), ([3, 1], [2, 1, 4]), ([2, 3, 4], [2, 1, 4]), ([5], [1]), ([1, 3], [2, 1, 1]),
  ]

  func testBroadcastKernelMatchesReference() {
    for (seed, (sa, sb)) in shapePairs.enumerated() {
      var rng = RNG(seed: UInt64(seed))
      let a = randomTensor(sa, &rng), b = randomTensor(sb, &rng)
      guard let out = try? Shape.broadcast(sa, sb, op: "t") else { return XCTFail("seed \(seed)") }
      var got = [Float](repeating: 0, count: Shape.count(out))
      got.withUnsafeMutableBufferPointer { p in
        broadcastBinary(SubOp(), a.storage.base, sa, b.storage.base, sb, p.baseAddress!, out)
      }
      XCTAssertEqual(got, broadcastBinaryReference(-, a.values, sa, b.values, sb, out), "seed \(seed) shapes \(sa) \(sb)")
      // The gradient reduction undoes the broadcast.
      let g = randomTensor(out, &rng)
      for target in [sa, sb] {
        var r = [Float](repeating: 0, count: Shape.count(target))
        r.withUnsafeMutableBufferPointer { p in sumToShape(g.storage.base, out, p.baseAddress!, target) }
        XCTAssertTrue(allClose(r, sumToShapeReference(g.values, out, target)), "seed \(seed) target \(target)")
      }
    }
  }

  func testHandComputedBroadcast() throws {
    let a = Tensor(shape: [3], values: [1, 2, 3]), b = Tensor(shape: [2, 1], values: [10, 20])
    let c = try a + b
    XCTAssertEqual(c.shape, [2, 3])
    XCTAssertEqual(c.values, [11, 12, 13, 21, 22, 23])
    XCTAssertEqual(try (b - a).values, [9, 8, 7, 19, 18, 17])
    XCTAssertEqual(try (a * 2).values, [2, 4, 6])
    XCTAssertEqual(try (1 - a).values, [0, -1, -2])
    XCTAssertEqual(try (6 / a).values, [6, 3, 2])
    XCTAssertEqual(try a.pow(2).values, [1, 4, 9])
    XCTAssertEqual(try a.maximum(Tensor(shape: [3], values: [3, 0, 3])).values, [3, 2, 3])
    XCTAssertEqual(try a.minimum(2).values, [1, 2, 2])
    XCTAssertEqual(try (-a).values, [-1, -2, -3])
  }

  func testBinaryGradientsWithBroadcasting() throws {
    typealias Op = (Tensor, Tensor) throws -> Tensor
    let ops: [(String, Op, Bool)] = [
      ("add", { try $0.add($1) }, false), ("sub", { try $0.sub($1) }, false),
      ("mul", { try $0.mul($1) }, false), ("div", { try $0.div($1) }, true),
      ("pow", { try $0.pow($1) }, true), ("maximum", { try $0.maximum($1) }, false),
      ("minimum", { try $0.minimum($1) }, false),
    ]
    for (name, op, positive) in ops {
      for (seed, (sa, sb)) in shapePairs.enumerated() {
        var rng = RNG(seed: UInt64(100 + seed))
        let a = positive ? uniformTensor(sa, &rng, 0.5, 2) : randomTensor(sa, &rng)
        let b = positive ? uniformTensor(sb, &rng, 0.5, 2) : randomTensor(sb, &rng)
        a.requiresGrad = true; b.requiresGrad = true
        let r = try gradCheck([a, b]) { try op($0[0], $0[1]) }
        XCTAssertTrue(r.ok, "\(name) seed \(100 + seed) shapes \(sa) \(sb): \(r.report)")
      }
    }
  }

  func testScalarFormGradients() throws {
    var rng = RNG(seed: 7)
    let x = uniformTensor([2, 3], &rng, 0.5, 2).requiringGrad()
    let fs: [(String, (Tensor) throws -> Tensor)] = [
      ("add", { try $0 + 1.5 }), ("sub", { try $0 - 1.5 }), ("rsub", { try 1.5 - $0 }),
      ("mul", { try $0 * -2 }), ("div", { try $0 / 4 }), ("rdiv", { try 3 / $0 }),
      ("pow", { try $0.pow(1.7) }), ("rpow", { try $0.rpow(2.5) }), ("neg", { try -$0 }),
    ]
    for (name, f) in fs {
      let r = try gradCheck([x]) { try f($0[0]) }
      XCTAssertTrue(r.ok, "\(name): \(r.report)")
    }
  }

  func testMaximumTieSplitsGradient() throws {
    let a = Tensor(shape: [2], values: [1, 2]).requiringGrad(), b = Tensor(shape: [2], values: [1, 3]).requiringGrad()
    try a.maximum(b).sum().backward()
    XCTAssertEqual(a.grad?.values, [0.5, 0])
    XCTAssertEqual(b.grad?.values, [0.5, 1])
  }

  func testUnaryValuesAndGradients() throws {
    let x = Tensor(shape: [4], values: [-2, -0.5, 0.5, 3])
    XCTAssertEqual(try x.relu().values, [0, 0, 0.5, 3])
    XCTAssertEqual(try x.leakyRelu(slope: 0.1).values, [-0.2, -0.05, 0.5, 3])
    XCTAssertEqual(try x.abs().values, [2, 0.5, 0.5, 3])
    XCTAssertEqual(try x.square().values, [4, 0.25, 0.25, 9])
    XCTAssertEqual(try x.clip(-1, 1).values, [-1, -0.5, 0.5, 1])
    XCTAssertTrue(allClose(try x.sigmoid().values, x.values.map { 1 / (1 + expDouble(-$0)) }))
    // GELU: PyTorch's torch.nn.functional.gelu (exact erf form) at -3, -1, 0, 0.5, 1, 3.
    let geluIn = Tensor(shape: [6], values: [-3, -1, 0, 0.5, 1, 3])
    let geluOut = try geluIn.gelu().values
    XCTAssertTrue(allClose(geluOut, [-0.0040496, -0.1586553, 0, 0.3457312, 0.8413447, 2.9959502]), "\(geluOut)")
    // Sigmoid saturates without NaN or overflow.
    XCTAssertEqual(try Tensor(shape: [2], values: [-200, 200]).sigmoid().values, [0, 1])

    var rng = RNG(seed: 11)
    let kinks: [(String, [Float], (Tensor) throws -> Tensor)] = [
      ("relu", [0], { try $0.relu() }), ("leakyRelu", [0], { try $0.leakyRelu(slope: 0.1) }),
      ("abs", [0], { try $0.abs() }), ("clip", [-0.5, 0.5], { try $0.clip(-0.5, 0.5) }),
      ("sigmoid", [], { try $0.sigmoid() }), ("tanh", [], { try $0.tanh() }), ("gelu", [], { try $0.gelu() }),
      ("exp", [], { try $0.exp() }), ("square", [], { try $0.square() }), ("neg", [], { try $0.neg() }),
    ]
    for (seed, (name, avoid, f)) in kinks.enumerated() {
      let t = randomTensor([3, 4], &rng, avoid: avoid).requiringGrad()
      let r = try gradCheck([t]) { try f($0[0]) }
      XCTAssertTrue(r.ok, "\(name) (case \(seed)): \(r.report)")
    }
    let pos = uniformTensor([3, 4], &rng, 0.5, 3).requiringGrad()
    for (name, f) in [("log", { (t: Tensor) in try t.log() }), ("sqrt", { (t: Tensor) in try t.sqrt() })] {
      let r = try gradCheck([pos]) { try f($0[0]) }
      XCTAssertTrue(r.ok, "\(name): \(r.report)")
    }
  }

  func testBroadcastErrorNamesOpAndShapes() {
    let a = Tensor(zeros: [2, 3]), b = Tensor(zeros: [4])
    for (name, f) in [
      ("add", { try a.add(b) }), ("sub", { try a.sub(b) }), ("mul", { try a.mul(b) }),
      ("div", { try a.div(b) }), ("pow", { try a.pow(b) }), ("maximum", { try a.maximum(b) }),
      ("eq", { try a.eq(b) }),
    ] as [(String, () throws -> Tensor)] {
      XCTAssertThrowsError(try f()) { e in
        XCTAssertEqual("\(e)", "\(name): shapes [2, 3] and [4] cannot be broadcast together")
      }
    }
    XCTAssertThrowsError(try a.clip(1, 0)) { e in
      XCTAssertEqual("\(e)", "clip: lower bound 1.0 is greater than upper bound 0.0")
    }
  }

  func testComparisonsAndWhere() throws {
    let a = Tensor(shape: [3], values: [1, 2, 3]), b = Tensor(shape: [3], values: [2, 2, 2])
    XCTAssertEqual(try a.eq(b).values, [0, 1, 0])
    XCTAssertEqual(try a.ne(b).values, [1, 0, 1])
    XCTAssertEqual(try a.lt(b).values, [1, 0, 0])
    XCTAssertEqual(try a.le(b).values, [1, 1, 0])
    XCTAssertEqual(try a.gt(2).values, [0, 0, 1])
    XCTAssertEqual(try a.ge(2).values, [0, 1, 1])
    XCTAssertEqual(try a.gt(Tensor(shape: [2, 1], values: [0, 5])).values, [1, 1, 1, 0, 0, 0])

    let cond = Tensor(shape: [2, 1], values: [1, 0])
    let x = Tensor(shape: [3], values: [1, 2, 3]).requiringGrad(), y = Tensor(scalar: -1).requiringGrad()
    let w = try Tensor.where(cond, x, y)
    XCTAssertEqual(w.shape, [2, 3])
    XCTAssertEqual(w.values, [1, 2, 3, -1, -1, -1])
    try w.sum().backward()
    XCTAssertEqual(x.grad?.values, [1, 1, 1])
    XCTAssertEqual(y.grad?.values, [3])
    var rng = RNG(seed: 3)
    let c2 = try randomTensor([2, 3], &rng).gt(0)
    let r = try gradCheck([randomTensor([2, 3], &rng).requiringGrad(), randomTensor([3], &rng).requiringGrad()]) {
      try Tensor.where(c2, $0[0], $0[1])
    }
    XCTAssertTrue(r.ok, r.report)
    XCTAssertThrowsError(try Tensor.where(Tensor(zeros: [4]), x, y)) { e in
      XCTAssertEqual("\(e)", "where: shapes [4] and [3] and [] cannot be broadcast together")
    }
  }
}

private func expDouble(_ x: Float) -> Float { Float(exp(Double(x))) }
