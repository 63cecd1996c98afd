import XCTest
@testable import Runtime
import TestSupport

/// End-to-end: layers, autodiff and optimizers together learn small generated problems.
final class TrainingTests: XCTestCase {
  /// Three Gaussian blobs in 8-D, centres 3 apart, unit noise.
  func blobs(_ n: Int, _ rng: inout RNG) -> (Tensor, [Int]) {
    var centres: [[Float]] = []
    var crng = RNG(seed: 1234)
    for _ in 0..<3 { centres.append((0..<8).map { _ in crng.normal() * 3 }) }
    var x: [Float] = [], y: [Int] = []
    for _ in 0..<n {
      let c = rng.int(below: 3)
      y.append(c)
      x += centres[c].map { $0 + rng.normal() }
    }
    return (Tensor(shape: [n, 8], values: x), y)
  }

  /// 12x12 grey images of a horizontal bar, a vertical bar or a hollow square at a random
  /// position, plus noise.
  func shapes(_ n: Int, _ rng: inout RNG) -> (Tensor, [Int]) {
    var x = [Float](repeating: 0, count: n * 144), y: [Int] = []
    for i in 0..<n {
      let c = rng.int(below: 3)
      y.append(c)
      let r = 2 + rng.int(below: 6), col = 2 + rng.int(below: 6)
      func set(_ a: Int, _ b: Int) { if a >= 0, a < 12, b >= 0, b < 12 { x[i * 144 + a * 12 + b] = 1 } }
      switch c {
      case 0: for k in -2...2 { set(r, col + k) }
      case 1: for k in -2...2 { set(r + k, col) }
      default: for k in -1...1 { set(r - 1, col + k); set(r + 1, col + k); set(r + k, col - 1); set(r + k, col + 1) }
      }
      for j in 0..<144 { x[i * 144 + j] += rng.normal() * 0.1 }
    }
    return (Tensor(shape: [n, 1, 12, 12], values: x), y)
  }

  func accuracy(_ m: Model, _ x: Tensor, _ y: [Int]) throws -> Float {
    m.eval()
    defer { m.train() }
    let pred = try GradMode.noGrad { try m(x).argmax(axis: 1) }.values
    return Float(zip(pred, y).filter { Int($0) == $1 }.count) / Float(y.count)
  }

  func train(_ m: Model, _ opt: any Optimizer, steps: Int, batch: Int, data: (Tensor, [Int]), rng: inout RNG) throws -> [Float] {
    let (x, y) = data
    var losses: [Float] = []
    for _ in 0..<steps {
      let idx = (0..<batch).map { _ in rng.int(below: y.count) }
      let loss = try m(x.indexSelect(idx, axis: 0)).crossEntropy(labels: idx.map { y[$0] })
      opt.zeroGrad()
      try loss.backward()
      try opt.step()
      losses.append(try loss.item())
    }
    return losses
  }

  func testMLPLearnsBlobsWithAdam() throws {
    var rng = RNG(seed: 1)
    let train = blobs(300, &rng), test = blobs(300, &rng)
    let m = try Model.mlp([8, 32, 3], seed: 3)
    let opt = try Adam(parameters: m.parameters, lr: 0.01)
    _ = try self.train(m, opt, steps: 150, batch: 32, data: train, rng: &rng)
    let acc = try accuracy(m, test.0, test.1)
    XCTAssertGreaterThanOrEqual(acc, 0.95, "MLP test accuracy \(acc)")
  }

  func testConvNetLearnsShapesWithSGDAndIsDeterministic() throws {
    func run() throws -> (Float, [Float]) {
      var rng = RNG(seed: 2)
      let train = shapes(384, &rng), test = shapes(192, &rng)
      let m = try Model.convnet(width: 8, classes: 3, inChannels: 1, seed: 5)
      let opt = try SGD(parameters: m.parameters, lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 5e-4, noDecay: m.noDecayParameters)
      let losses = try self.train(m, opt, steps: 120, batch: 32, data: train, rng: &rng)
      return (try accuracy(m, test.0, test.1), losses)
    }
    let (acc, losses) = try run()
    XCTAssertGreaterThanOrEqual(acc, 0.9, "convnet test accuracy \(acc); losses \(losses.prefix(3)) ... \(losses.suffix(3))")
    let (acc2, losses2) = try run()
    XCTAssertEqual(losses, losses2, "same seed, bit-identical losses")
    XCTAssertEqual(acc, acc2)
  }
}
