import XCTest
@testable import Runtime
import TestSupport

/// Fast convolution, pooling and batch-norm kernels against their naive twins.
final class ConvKernelTests: XCTestCase {
  func randomValues(_ n: Int, _ rng: inout RNG) -> [Float] { (0..<n).map { _ in rng.normal() } }

  /// Random geometries, including stride 2, padding, rectangular kernels, 1x1 and
  /// small planes that take the multi-image gemm path.
  func testConvForwardAndBackwardMatchReference() throws {
    var rng = RNG(seed: 7)
    let cases: [(n: Int, cin: Int, h: Int, w: Int, cout: Int, kh: Int, kw: Int, s: Int, p: Int)] = [
      (2, 3, 7, 7, 4, 3, 3, 1, 1), (3, 2, 8, 6, 5, 3, 3, 2, 1), (2, 4, 5, 5, 3, 1, 1, 1, 0),
      (5, 3, 6, 6, 2, 1, 1, 2, 0), (4, 2, 9, 7, 3, 3, 2, 2, 0), (1, 1, 4, 4, 2, 5, 5, 1, 2),
      (7, 3, 4, 4, 6, 3, 3, 1, 1), (2, 2, 3, 3, 2, 3, 3, 3, 1), (40, 2, 5, 5, 3, 3, 3, 1, 1),
      // Same padding on rectangular planes, and a kernel wider than the plane (the shifted
      // im2col/col2im path and its wrapped columns).
      (3, 2, 6, 9, 3, 3, 3, 1, 1), (2, 2, 2, 3, 2, 5, 5, 1, 2), (12, 3, 5, 1, 2, 3, 3, 1, 1),
      (2, 1, 9, 4, 2, 7, 7, 1, 3),
    ]
    for (i, c) in cases.enumerated() {
      let g = ConvGeometry(n: c.n, cin: c.cin, h: c.h, w: c.w, cout: c.cout, kh: c.kh, kw: c.kw, stride: c.s, pad: c.p)
      let xv = randomValues(c.n * g.inPlane, &rng), wv = randomValues(c.cout * g.k, &rng), bv = randomValues(c.cout, &rng)
      let x = Tensor(shape: [c.n, c.cin, c.h, c.w], values: xv).requiringGrad()
      let w = Tensor(shape: [c.cout, c.cin, c.kh, c.kw], values: wv).requiringGrad()
      let b = Tensor(shape: [c.cout], values: bv).requiringGrad()
      let y = try x.conv2d(weight: w, bias: b, stride: c.s, padding: c.p)
      XCTAssertEqual(y.shape, [c.n, c.cout, g.oh, g.ow], "case \(i)")
      let ref = ConvReference.conv2d(x: xv, weight: wv, bias: bv, g)
      XCTAssertTrue(allClose(y.values, ref, rtol: 1e-4, atol: 1e-4), "case \(i) forward, max diff \(maxAbsDiff(y.values, ref))")
      let dyv = randomValues(y.count, &rng)
      try y.backward(Tensor(shape: y.shape, values: dyv))
      let (dx, dw, db) = ConvReference.conv2dBackward(x: xv, weight: wv, dy: dyv, g)
      XCTAssertTrue(allClose(x.grad?.values ?? [], dx, rtol: 1e-4, atol: 1e-4), "case \(i) dx, max diff \(maxAbsDiff(x.grad?.values ?? [], dx))")
      XCTAssertTrue(allClose(w.grad?.values ?? [], dw, rtol: 1e-4, atol: 1e-3), "case \(i) dw, max diff \(maxAbsDiff(w.grad?.values ?? [], dw))")
      XCTAssertTrue(allClose(b.grad?.values ?? [], db, rtol: 1e-4, atol: 1e-3), "case \(i) db")
    }
  }

  func testConvErrorsNameShapes() {
    let x = Tensor(zeros: [8, 3, 28, 28]), w = Tensor(zeros: [16, 1, 3, 3])
    XCTAssertThrowsError(try x.conv2d(weight: w)) { e in
      XCTAssertEqual("\(e)", "conv2d: input [8, 3, 28, 28] has 3 channels but the weight [16, 1, 3, 3] expects 1")
    }
    XCTAssertThrowsError(try Tensor(zeros: [3, 28, 28]).conv2d(weight: w))
    XCTAssertThrowsError(try Tensor(zeros: [1, 1, 2, 2]).conv2d(weight: w)) { e in
      XCTAssertTrue("\(e)".contains("larger than the padded input"), "\(e)")
    }
    XCTAssertThrowsError(try Tensor(zeros: [1, 1, 5, 5]).conv2d(weight: w, stride: 0))
    XCTAssertThrowsError(try Tensor(zeros: [1, 1, 5, 5]).conv2d(weight: w, bias: Tensor(zeros: [3])))
  }

  func testPoolingMatchesReference() throws {
    var rng = RNG(seed: 3)
    for (shape, k, s) in [([2, 3, 6, 6], 2, 2), ([1, 2, 7, 5], 3, 2), ([3, 1, 4, 4], 2, 1), ([2, 2, 5, 5], 2, 2)] {
      let xv = randomValues(Shape.count(shape), &rng)
      let x = Tensor(shape: shape, values: xv)
      XCTAssertEqual(try x.maxPool2d(kernel: k, stride: s).values, ConvReference.pool2d(x: xv, shape: shape, kernel: k, stride: s, max: true))
      XCTAssertTrue(allClose(try x.avgPool2d(kernel: k, stride: s).values, ConvReference.pool2d(x: xv, shape: shape, kernel: k, stride: s, max: false)))
    }
    let x = Tensor(shape: [1, 2, 2, 2], values: [1, 2, 3, 4, 5, 6, 7, 8])
    XCTAssertEqual(try x.globalAvgPool().values, [2.5, 6.5])
    XCTAssertEqual(try x.globalAvgPool().shape, [1, 2])
    XCTAssertThrowsError(try x.maxPool2d(kernel: 3)) { e in XCTAssertTrue("\(e)".contains("maxPool2d"), "\(e)") }
  }

  func testMaxPoolTwoByTwoPropagatesNaNAndInfinities() throws {
    // Windows: [NaN, 1, 2, 3] -> NaN; [-inf, +inf, 0, 1] -> +inf (sum NaN: generic path);
    // [-inf x4] -> -inf at the first; [4, 4, 1, 4] -> 4 at the first.
    let inf = Float.infinity
    let x = Tensor(shape: [1, 1, 2, 8], values: [.nan, 1, -inf, inf, -inf, -inf, 4, 4,
                                                 2, 3, 0, 1, -inf, -inf, 1, 4]).requiringGrad()
    let y = try x.maxPool2d(kernel: 2)
    XCTAssertTrue(y.values[0].isNaN)
    XCTAssertEqual(Array(y.values[1...]), [inf, -inf, 4])
    try y.backward(Tensor(shape: [1, 1, 1, 4], values: [1, 2, 3, 4]))
    XCTAssertEqual(x.grad?.values, [1, 0, 0, 2, 3, 0, 4, 0,
                                    0, 0, 0, 0, 0, 0, 0, 0])
  }

  /// The eight-window SIMD blocks of the 2x2 max pool (rows of 16 and more input columns,
  /// with an overlapping last block) against a scalar scan: values, and the gradient routed
  /// to the first maximum, on values with many ties, NaNs and infinities.
  func testMaxPoolTwoByTwoBlocksMatchScalarScan() throws {
    var rng = RNG(seed: 11)
    let palette: [Float] = [0, 1, 1, 2, -1, .infinity, -.infinity, .nan]
    for (shape, nanRate) in [([2, 3, 4, 28], 0.0), ([1, 2, 6, 16], 0.05), ([2, 1, 4, 30], 0.02), ([1, 2, 2, 18], 0.3)] {
      let count = Shape.count(shape)
      let xv: [Float] = (0..<count).map { _ in
        rng.uniform() < Float(nanRate) ? palette[Int(rng.uniform() * 8) % 8] : Float(Int(rng.uniform() * 4))
      }
      let x = Tensor(shape: shape, values: xv).requiringGrad()
      let y = try x.maxPool2d(kernel: 2)
      let (h, w) = (shape[2], shape[3]), (oh, ow) = (h / 2, w / 2)
      var want = [Float](), wantGrad = [Float](repeating: 0, count: count)
      let dy = (0..<(count / 4)).map { Float($0 + 1) }
      for p in 0..<(shape[0] * shape[1]) {
        for oy in 0..<oh { for ox in 0..<ow {
          var best = -Float.infinity, at = p * h * w + 2 * oy * w + 2 * ox
          scan: for ky in 0..<2 { for kx in 0..<2 {
            let i = p * h * w + (2 * oy + ky) * w + 2 * ox + kx
            if xv[i] > best || xv[i].isNaN { best = xv[i]; at = i; if best.isNaN { break scan } }
          } }
          want.append(best)
          wantGrad[at] += dy[want.count - 1]
        } }
      }
      XCTAssertEqual(y.values.map { $0.isNaN ? 99 : $0 }, want.map { $0.isNaN ? 99 : $0 }, "\(shape)")
      try y.backward(Tensor(shape: y.shape, values: dy))
      XCTAssertEqual(x.grad?.values, wantGrad, "\(shape)")
    }
  }

  func testMaxPoolBackwardRoutesToArgmax() throws {
    let x = Tensor(shape: [1, 1, 2, 4], values: [1, 5, 2, 0, 3, 4, 9, 9]).requiringGrad()
    let y = try x.maxPool2d(kernel: 2)
    XCTAssertEqual(y.values, [5, 9])
    try y.backward(Tensor(shape: [1, 1, 1, 2], values: [10, 20]))
    // The first maximum wins ties, as in PyTorch.
    XCTAssertEqual(x.grad?.values, [0, 10, 0, 0, 0, 0, 20, 0])
  }

  func testBatchNormTrainingMatchesReferenceAndUpdatesRunningStats() throws {
    var rng = RNG(seed: 5)
    let shape = [4, 3, 5, 5]
    let xv = randomValues(Shape.count(shape), &rng).map { $0 * 2 + 1 }
    let gamma = Tensor(shape: [3], values: [1, 0.5, 2]), beta = Tensor(shape: [3], values: [0, 1, -1])
    let rm = Tensor(shape: [3], values: [0, 0, 0]), rv = Tensor(shape: [3], values: [1, 1, 1])
    let y = try Tensor(shape: shape, values: xv).batchNorm2d(gamma: gamma, beta: beta, runningMean: rm, runningVar: rv, training: true, momentum: 0.1, eps: 1e-5)
    let (ref, means, vars) = ConvReference.batchNorm(x: xv, shape: shape, gamma: gamma.values, beta: beta.values, eps: 1e-5)
    XCTAssertTrue(allClose(y.values, ref, rtol: 1e-4, atol: 1e-4), "max diff \(maxAbsDiff(y.values, ref))")
    let m = Float(4 * 25)
    for c in 0..<3 {
      XCTAssertTrue(isClose(rm.values[c], 0.1 * means[c]), "running mean \(c)")
      // Unbiased variance for the running update (PyTorch).
      XCTAssertTrue(isClose(rv.values[c], 0.9 + 0.1 * vars[c] * m / (m - 1)), "running var \(c)")
    }
    // Evaluation uses the running statistics: (x - rm) / sqrt(rv + eps) * gamma + beta.
    let x1 = Tensor(shape: [1, 3, 1, 1], values: [2, 2, 2])
    let e = try x1.batchNorm2d(gamma: gamma, beta: beta, runningMean: rm, runningVar: rv, training: false)
    for c in 0..<3 {
      let expect = (2 - rm.values[c]) / (rv.values[c] + 1e-5).squareRoot() * gamma.values[c] + beta.values[c]
      XCTAssertTrue(isClose(e.values[c], expect))
    }
    XCTAssertThrowsError(try Tensor(zeros: [1, 3]).batchNorm2d(gamma: gamma, beta: beta, runningMean: rm, runningVar: rv, training: true))
    XCTAssertThrowsError(try Tensor(zeros: [2, 4, 1, 1]).batchNorm2d(gamma: gamma, beta: beta, runningMean: rm, runningVar: rv, training: true)) { e in
      XCTAssertTrue("\(e)".contains("gamma [3] must be [4]"), "\(e)")
    }
  }

  func testDropoutScalesSurvivorsAndIsIdentityInEval() throws {
    var rng = RNG(seed: 9)
    let x = Tensor(shape: [1000], values: [Float](repeating: 1, count: 1000))
    let y = try x.dropout(p: 0.25, rng: &rng, training: true)
    let kept = y.values.filter { $0 != 0 }
    XCTAssertTrue(kept.allSatisfy { isClose($0, 1 / 0.75) })
    XCTAssertTrue(abs(Float(kept.count) / 1000 - 0.75) < 0.05, "kept \(kept.count)")
    XCTAssertTrue(try x.dropout(p: 0.5, rng: &rng, training: false) === x)
    XCTAssertThrowsError(try x.dropout(p: 1.5, rng: &rng, training: true))
  }
}
