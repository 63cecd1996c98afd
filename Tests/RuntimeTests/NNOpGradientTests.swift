import XCTest
@testable import Runtime
import TestSupport

/// Finite-difference gradient checks for the convolution, pooling, normalisation, dropout
/// and linear ops.
final class NNOpGradientTests: XCTestCase {
  func check(_ inputs: [Tensor], _ name: String, file: StaticString = #filePath, line: UInt = #line, _ f: ([Tensor]) throws -> Tensor) throws {
    let r = try gradCheck(inputs, f)
    XCTAssertTrue(r.ok, "\(name): \(r.report)", file: file, line: line)
  }

  func testConv2dGradients() throws {
    var rng = RNG(seed: 11)
    for (stride, padding, k) in [(1, 1, 3), (2, 1, 3), (2, 0, 2), (1, 0, 1)] {
      let x = randomTensor([2, 2, 5, 5], &rng).requiringGrad()
      let w = randomTensor([3, 2, k, k], &rng, scale: 0.5).requiringGrad()
      let b = randomTensor([3], &rng).requiringGrad()
      try check([x, w, b], "conv2d stride \(stride) padding \(padding) kernel \(k)") {
        try $0[0].conv2d(weight: $0[1], bias: $0[2], stride: stride, padding: padding)
      }
    }
  }

  /// Distinct values spaced 0.1 apart, so a ±eps step never changes which element is the maximum.
  func spreadTensor(_ shape: [Int], _ rng: inout RNG) -> Tensor {
    let n = Shape.count(shape)
    let perm = rng.permutation(n)
    return Tensor(shape: shape, values: perm.map { Float($0) * 0.1 - Float(n) * 0.05 })
  }

  func testPoolingGradients() throws {
    var rng = RNG(seed: 12)
    let x = spreadTensor([2, 2, 5, 5], &rng).requiringGrad()
    try check([x], "maxPool2d 2") { try $0[0].maxPool2d(kernel: 2) }
    try check([x], "maxPool2d 3 stride 2") { try $0[0].maxPool2d(kernel: 3, stride: 2) }
    try check([x], "avgPool2d 2") { try $0[0].avgPool2d(kernel: 2) }
    try check([x], "avgPool2d 3 stride 1") { try $0[0].avgPool2d(kernel: 3, stride: 1) }
    try check([x], "globalAvgPool") { try $0[0].globalAvgPool() }
  }

  func testBatchNormGradients() throws {
    var rng = RNG(seed: 13)
    let x = randomTensor([3, 2, 3, 3], &rng).requiringGrad()
    let gamma = randomTensor([2], &rng).requiringGrad(), beta = randomTensor([2], &rng).requiringGrad()
    let rm = Tensor(shape: [2], values: [0.2, -0.1]), rv = Tensor(shape: [2], values: [1.5, 0.7])
    for training in [true, false] {
      try check([x, gamma, beta], "batchNorm2d training \(training)") {
        try $0[0].batchNorm2d(gamma: $0[1], beta: $0[2], runningMean: rm.copy(), runningVar: rv.copy(), training: training)
      }
    }
    let x2 = randomTensor([4, 3], &rng).requiringGrad()
    let g2 = randomTensor([3], &rng).requiringGrad(), b2 = randomTensor([3], &rng).requiringGrad()
    try check([x2, g2, b2], "batchNorm on [N, C]") {
      try $0[0].batchNorm2d(gamma: $0[1], beta: $0[2], runningMean: Tensor(zeros: [3]), runningVar: Tensor(zeros: [3]), training: true)
    }
  }

  func testDropoutGradient() throws {
    var rng = RNG(seed: 14)
    let x = randomTensor([4, 5], &rng).requiringGrad()
    try check([x], "dropout") { ins in
      var r = RNG(seed: 99)  // the same mask on every evaluation
      return try ins[0].dropout(p: 0.3, rng: &r, training: true)
    }
  }

  func testLinearGradientsAndValues() throws {
    var rng = RNG(seed: 15)
    let x = randomTensor([3, 4], &rng).requiringGrad()
    let w = randomTensor([2, 4], &rng).requiringGrad(), b = randomTensor([2], &rng).requiringGrad()
    try check([x, w, b], "linear") { try $0[0].linear(weight: $0[1], bias: $0[2]) }
    let y = try x.linear(weight: w, bias: b)
    let ref = try x.matmul(w.transpose()).add(b)
    XCTAssertTrue(allClose(y.values, ref.values))
    XCTAssertThrowsError(try x.linear(weight: Tensor(zeros: [2, 3]))) { e in
      XCTAssertTrue("\(e)".contains("[3, 4] and [2, 3]"), "\(e)")
    }
  }
}

/// The fused batch-norm + activation op against the two separate ops.
final class FusedNormTests: XCTestCase {
  func testFusedBatchNormActivationMatchesSeparateOps() throws {
    var rng = RNG(seed: 21)
    for slope: Float in [0, 0.1] {
      for training in [true, false] {
        let xv = randomTensor([3, 4, 5, 5], &rng).values, dyv = randomTensor([3, 4, 5, 5], &rng).values
        let gamma = randomTensor([4], &rng), beta = randomTensor([4], &rng)
        func run(fused: Bool) throws -> ([Float], [Float], [Float], [Float], [Float]) {
          let x = Tensor(shape: [3, 4, 5, 5], values: xv).requiringGrad()
          let g = gamma.copy().requiringGrad(), b = beta.copy().requiringGrad()
          let rm = Tensor(shape: [4], values: [0.1, 0.2, 0.3, 0.4]), rv = Tensor(shape: [4], values: [1, 2, 0.5, 1])
          let y = fused
            ? try x.batchNorm2d(gamma: g, beta: b, runningMean: rm, runningVar: rv, training: training, momentum: 0.1, eps: 1e-5, activationSlope: slope)
            : try x.batchNorm2d(gamma: g, beta: b, runningMean: rm, runningVar: rv, training: training).leakyRelu(slope: slope)
          try y.backward(Tensor(shape: y.shape, values: dyv))
          return (y.values, x.grad?.values ?? [], g.grad?.values ?? [], b.grad?.values ?? [], rm.values + rv.values)
        }
        let a = try run(fused: true), b = try run(fused: false)
        let ctx = "slope \(slope) training \(training)"
        XCTAssertTrue(allClose(a.0, b.0), "\(ctx) y")
        XCTAssertTrue(allClose(a.1, b.1, rtol: 1e-4, atol: 1e-5), "\(ctx) dx \(maxAbsDiff(a.1, b.1))")
        XCTAssertTrue(allClose(a.2, b.2, rtol: 1e-4, atol: 1e-4), "\(ctx) dgamma")
        XCTAssertTrue(allClose(a.3, b.3, rtol: 1e-4, atol: 1e-4), "\(ctx) dbeta")
        XCTAssertEqual(a.4, b.4, "\(ctx) running stats")
      }
    }
    // A Sequential with BN + ReLU (fused) gives the same loss as applying the layers one by one.
    let m = try Model.convnet(width: 4, classes: 3)
    let x = randomTensor([2, 1, 8, 8], &rng)
    m.eval()
    let fused = try m(x).values
    guard let seq = m.backbone as? Sequential else { return XCTFail("convnet backbone is a Sequential") }
    var h = x
    for l in seq.layers { h = try l.forward(h) }
    XCTAssertTrue(allClose(fused, try m.head("main", h).values))
  }

  func testBatchNormStatisticsWithLargeOffset() throws {
    // Mean 1000, std 0.01: a naive E[x²] - E[x]² in Float would lose every digit.
    var rng = RNG(seed: 22)
    let x = Tensor(shape: [8, 2, 4, 4], values: (0..<256).map { _ in 1000 + 0.01 * rng.normal() })
    let gamma = Tensor(shape: [2], values: [1, 1]), beta = Tensor(zeros: [2])
    let y = try x.batchNorm2d(gamma: gamma, beta: beta, runningMean: Tensor(zeros: [2]), runningVar: Tensor(zeros: [2]), training: true)
    let (ref, _, _) = ConvReference.batchNorm(x: x.values, shape: x.shape, gamma: [1, 1], beta: [0, 0], eps: 1e-5)
    XCTAssertTrue(allClose(y.values, ref, rtol: 1e-2, atol: 2e-2), "max diff \(maxAbsDiff(y.values, ref))")
  }
}
