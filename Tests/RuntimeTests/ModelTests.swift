import XCTest
@testable import Runtime
import TestSupport

/// Layers and models: names, counts, modes, heads, copies, seeds.
final class ModelTests: XCTestCase {
  func testConvNetStructureNamesAndCount() throws {
    let m = try Model.convnet(width: 32, classes: 10, inChannels: 1)
    // 4 convs (no bias) + 4 BN (weight, bias) + linear: matches the PyTorch net's count.
    let expected = (32 * 1 * 9 + 32 * 32 * 9 + 64 * 32 * 9 + 64 * 64 * 9) + 2 * (32 + 32 + 64 + 64) + (64 * 10 + 10)
    XCTAssertEqual(m.parameterCount, expected)
    XCTAssertEqual(m.featureDim, 64)
    let names = m.namedParameters.map(\.name)
    XCTAssertEqual(Array(names.prefix(3)), ["backbone.0.weight", "backbone.1.weight", "backbone.1.bias"])
    XCTAssertEqual(names.last, "heads.main.bias")
    XCTAssertEqual(m.namedBuffers.first?.name, "backbone.1.running_mean")
    let x = Tensor(zeros: [2, 1, 28, 28])
    XCTAssertEqual(try m(x).shape, [2, 10])
    XCTAssertEqual(try m.features(x).shape, [2, 64])
    XCTAssertThrowsError(try m(Tensor(zeros: [2, 3, 28, 28]))) { e in
      XCTAssertTrue("\(e)".contains("has 3 channels but the weight [32, 1, 3, 3] expects 1"), "\(e)")
    }
  }

  func testWideResNet28x2ParameterCountAndShapes() throws {
    let m = try Model.wideResNet(depth: 28, widen: 2, classes: 10, inChannels: 3)
    // Stem 448; groups 70,112 + 279,488 + 1,116,032; final BN 256; head 1,290 (SSL-REFERENCE §4: ~1.47M).
    XCTAssertEqual(m.parameterCount, 1_467_626)
    XCTAssertEqual(m.featureDim, 128)
    m.eval()
    let y = try GradMode.noGrad { try m(Tensor(zeros: [1, 3, 32, 32])) }
    XCTAssertEqual(y.shape, [1, 10])
    XCTAssertThrowsError(try Model.wideResNet(depth: 27))
  }

  func testWideResNetSmallTrainsThroughResidualBlocks() throws {
    let m = try Model.wideResNet(depth: 10, widen: 1, classes: 3, inChannels: 1)
    var rng = RNG(seed: 4)
    let x = try Tensor.randn([2, 1, 8, 8], rng: &rng)
    let loss = try m(x).crossEntropy(labels: [0, 2])
    try loss.backward()
    // Every parameter that influences the output receives a gradient; the groups 2-3
    // first-block bn1 (dead in USB's forward) are the only exceptions.
    let without = m.namedParameters.filter { $0.tensor.grad == nil }.map(\.name)
    XCTAssertEqual(without, ["backbone.2.0.bn1.weight", "backbone.2.0.bn1.bias", "backbone.3.0.bn1.weight", "backbone.3.0.bn1.bias"])
  }

  func testSeedsAreDeterministicAndDistinct() throws {
    let a = try Model.convnet(width: 4, seed: 1), b = try Model.convnet(width: 4, seed: 1), c = try Model.convnet(width: 4, seed: 2)
    XCTAssertEqual(a.parameters.map(\.values), b.parameters.map(\.values))
    XCTAssertNotEqual(a.parameters[0].values, c.parameters[0].values)
    // PyTorch's default bound for a 3x3 conv with one input channel: 1/√9.
    XCTAssertTrue(a.parameters[0].values.allSatisfy { abs($0) <= 1 / 3 })
  }

  func testTrainEvalPropagatesAndChangesBatchNorm() throws {
    let m = try Model.convnet(width: 4, classes: 3)
    var rng = RNG(seed: 5)
    let x = try Tensor.randn([4, 1, 8, 8], rng: &rng)
    m.eval()
    let e1 = try m(x).values
    XCTAssertEqual(m.namedBuffers[0].tensor.values, [0, 0, 0, 0], "eval must not move running stats")
    m.train()
    _ = try m(x)
    XCTAssertNotEqual(m.namedBuffers[0].tensor.values, [0, 0, 0, 0], "training updates running stats")
    m.eval()
    XCTAssertNotEqual(try m(x).values, e1)
    XCTAssertFalse(m.isTraining)
  }

  func testHeadsAndCopyAreIndependent() throws {
    let m = try Model.mlp([6, 5, 3])
    XCTAssertEqual(m.featureDim, 5)
    try m.addLinearHead(name: "detector", outputs: 1, seed: 7)
    try m.addLinearHead(name: "dummy", outputs: 3, seed: 8)
    XCTAssertThrowsError(try m.addLinearHead(name: "dummy", outputs: 3, seed: 8))
    let x = Tensor(shape: [2, 6], values: (0..<12).map { Float($0) / 10 })
    let f = try m.features(x)
    XCTAssertEqual(try m.head("detector", f).shape, [2, 1])
    XCTAssertEqual(try m.head("dummy", f).shape, [2, 3])
    XCTAssertThrowsError(try m.head("nope", f)) { e in XCTAssertTrue("\(e)".contains("main, detector, dummy"), "\(e)") }
    XCTAssertTrue(m.namedParameters.map(\.name).contains("heads.detector.weight"))
    let c = m.copy()
    XCTAssertEqual(try c(x).values, try m(x).values)
    c.parameters[0].buffer[0] += 1
    XCTAssertNotEqual(c.parameters[0].values, m.parameters[0].values, "copy must not share storage")
    XCTAssertEqual(c.namedParameters.map(\.name), m.namedParameters.map(\.name))
    XCTAssertEqual(m.noDecayParameters.count, 4)  // four biases
  }

  func testSequentialDescriptionAndLayerErrors() throws {
    var rng = RNG(seed: 1)
    let s = Sequential([Linear(4, 3, rng: &rng), ReLU(), try Dropout(p: 0.5)])
    XCTAssertTrue(s.description.contains("(0) Linear(4, 3)"), s.description)
    XCTAssertThrowsError(try s(Tensor(zeros: [2, 5]))) { e in XCTAssertTrue("\(e)".contains("[2, 5] must be [N, 4]"), "\(e)") }
    s.setTraining(false)
    let x = Tensor(shape: [1, 4], values: [1, 2, 3, 4])
    XCTAssertEqual(try s(x).values, try s(x).values, "dropout is off in eval mode")
  }
}
