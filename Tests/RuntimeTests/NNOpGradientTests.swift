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
