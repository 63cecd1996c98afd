import Foundation
import XCTest
@testable import Runtime
import TestSupport

/// The generator's ops (nearest ×2 upsampling, binary cross-entropy with logits) and the
/// class-conditional VAE generator: determinism, dataset contents, learning, conditioning,
/// errors and save/load.
final class GeneratorTests: XCTestCase {
  // MARK: - Ops

  func testUpsampleMatchesReferenceAndGradient() throws {
    var rng = RNG(seed: 21)
    let x = randomTensor([2, 3, 3, 5], &rng)
    let y = try x.upsample2x()
    XCTAssertEqual(y.shape, [2, 3, 6, 10])
    XCTAssertEqual(y.values, UpsampleReference.forward(x.values, planes: 6, h: 3, w: 5))
    let dy = randomTensor([2, 3, 6, 10], &rng)
    let dx = try Tensor.empty([2, 3, 3, 5], op: "test")
    UpsampleKernels.backward(dy.storage.base, dx.storage.base, planes: 6, h: 3, w: 5)
    XCTAssertTrue(allClose(dx.values, UpsampleReference.backward(dy.values, planes: 6, h: 3, w: 5)))
    // Hand-computed: [[1, 2]] -> [[1, 1, 2, 2], [1, 1, 2, 2]].
    let small = try Tensor(shape: [1, 1, 1, 2], values: [1, 2]).upsample2x()
    XCTAssertEqual(small.values, [1, 1, 2, 2, 1, 1, 2, 2])
    let g = randomTensor([1, 2, 2, 3], &rng).requiringGrad()
    let r = try gradCheck([g]) { try $0[0].upsample2x() }
    XCTAssertTrue(r.ok, r.report)
    assertThrowsMessage(try Tensor(zeros: [2, 3]).upsample2x(), contains: ["upsample2x", "[2, 3]", "[N, C, H, W]"])
  }

  func testBinaryCrossEntropyValueAndGradient() throws {
    var rng = RNG(seed: 22)
    let x = randomTensor([3, 2, 2, 2], &rng, scale: 2).requiringGrad()
    let t = uniformTensor([3, 2, 2, 2], &rng, 0, 1)
    let perSample = try x.binaryCrossEntropyWithLogits(targets: t, reduction: .none)
    XCTAssertEqual(perSample.shape, [3])
    for i in 0..<3 {
      var s: Double = 0
      for k in 0..<8 {
        let v = Double(x.values[i * 8 + k]), p = 1 / (1 + Foundation.exp(-v)), tt = Double(t.values[i * 8 + k])
        s -= tt * Foundation.log(p) + (1 - tt) * Foundation.log(1 - p)
      }
      XCTAssertTrue(isClose(perSample.values[i], Float(s), rtol: 1e-5), "sample \(i): \(perSample.values[i]) vs \(s)")
    }
    XCTAssertTrue(isClose(try x.binaryCrossEntropyWithLogits(targets: t).item(), perSample.values.reduce(0, +) / 3))
    // Large logits stay finite (the stable form never takes log of 0).
    let big = try Tensor(shape: [1, 2], values: [100, -100]).binaryCrossEntropyWithLogits(targets: Tensor(shape: [1, 2], values: [0, 1]))
    XCTAssertTrue(isClose(try big.item(), 200, rtol: 1e-5))
    for reduction in [Reduction.mean, .sum, .none] {
      let r = try gradCheck([x]) { try $0[0].binaryCrossEntropyWithLogits(targets: t, reduction: reduction) }
      XCTAssertTrue(r.ok, "\(reduction): \(r.report)")
    }
    assertThrowsMessage(try x.binaryCrossEntropyWithLogits(targets: Tensor(zeros: [3, 8])),
                        contains: ["binaryCrossEntropy", "[3, 2, 2, 2]", "[3, 8]"])
  }

  // MARK: - Generator

  /// Four classes of 8x8 images, each a bright quadrant (class k lights quadrant k) with noise.
  func quadrantDataset(perClass: Int, channels: Int = 1, side: Int = 8, seed: UInt64 = 5) throws -> Dataset {
    var rng = RNG(seed: seed)
    let n = perClass * 4, hw = side * side, half = side / 2
    var px = [UInt8](repeating: 0, count: n * channels * hw)
    var labels: [Int] = []
    for i in 0..<n {
      let k = i % 4
      labels.append(k)
      for c in 0..<channels { for y in 0..<side { for x in 0..<side {
        let lit = (y < half ? 0 : 2) + (x < half ? 0 : 1) == k
        let v = lit ? 200 + rng.int(below: 56) : rng.int(below: 40)
        px[((i * channels + c) * side + y) * side + x] = UInt8(v)
      } } }
    }
    return try Dataset(name: "quadrants", pixels: px, labels: labels, classNames: ["tl", "tr", "bl", "br"],
                       channels: channels, height: side, width: side, originNames: ["toy"])
  }

  /// Mean intensity of each quadrant of image `i` of `d` (all channels).
  func quadrantMeans(_ d: Dataset, _ i: Int) throws -> [Double] {
    let im = try d.image(at: i), s = d.height, half = s / 2
    var m = [Double](repeating: 0, count: 4)
    for c in 0..<d.channels { for y in 0..<s { for x in 0..<s {
      m[(y < half ? 0 : 2) + (x < half ? 0 : 1)] += Double(im[(c * s + y) * s + x])
    } } }
    return m.map { $0 / Double(d.channels * half * half) }
  }

  func testLossDecreasesAndSamplesFollowTheirClass() throws {
    let data = try quadrantDataset(perClass: 32)
    let gen = try Generator.train(data: data, steps: 150, batch: 32, seed: 1)
    XCTAssertEqual(gen.steps, 150)
    let h = gen.history
    let first = h.prefix(10).reduce(0, +) / 10, last = h.suffix(10).reduce(0, +) / 10
    XCTAssertLessThan(last, 0.8 * first, "loss went from \(first) to \(last)")
    // Conditioning works: the lit quadrant of a sample is the one of its class.
    let samples = try gen.generate(perClass: 5, seed: 2)
    var right = 0
    for i in 0..<samples.count {
      let m = try quadrantMeans(samples, i)
      if m.indices.max(by: { m[$0] < m[$1] }) == samples.labels[i] { right += 1 }
    }
    XCTAssertGreaterThanOrEqual(right, 18, "only \(right) of 20 samples light their class's quadrant")
  }

  /// Posterior reconstructions keep the source's order, labels and instance (here: how bright
  /// its lit quadrant is, which varies per image), are marked synthetic, and are deterministic.
  func testPosteriorReconstructionsPreserveClassAndInstance() throws {
    var rng = RNG(seed: 8)
    let n = 128, side = 8, half = 4
    var px = [UInt8](repeating: 0, count: n * side * side), labels: [Int] = []
    for i in 0..<n {
      let k = i % 4, level = 60 + rng.int(below: 196)
      labels.append(k)
      for y in 0..<side { for x in 0..<side where (y < half ? 0 : 2) + (x < half ? 0 : 1) == k {
        px[(i * side + y) * side + x] = UInt8(level)
      } }
    }
    let all = try Dataset(name: "levels", pixels: px, labels: labels, classNames: ["tl", "tr", "bl", "br"],
                          channels: 1, height: side, width: side, originNames: ["toy"])
    let train = try all.subset(Array(0..<96)), held = try all.subset(Array(96..<128))
    let gen = try Generator.train(data: train, steps: 300, batch: 32, seed: 2)
    let rec = try gen.reconstruct(held)
    XCTAssertEqual(rec.count, held.count)
    XCTAssertEqual(rec.labels, held.labels)
    XCTAssertEqual(rec.syntheticCount, rec.count)
    XCTAssertEqual(rec.originNames, ["cvae-posterior"])
    XCTAssertEqual(try gen.reconstruct(held).pixels, rec.pixels)
    var inClass = 0
    var src: [Double] = [], out: [Double] = []
    for i in 0..<held.count {
      let m = try quadrantMeans(rec, i)
      if m.indices.max(by: { m[$0] < m[$1] }) == held.labels[i] { inClass += 1 }
      src.append(try quadrantMeans(held, i)[held.labels[i]]); out.append(m[held.labels[i]])
    }
    XCTAssertEqual(inClass, held.count, "reconstructions must light their source's quadrant")
    // Instance-preserving: the reconstruction's brightness follows its source's (a sample
    // from the prior would be uncorrelated with it; this short training gives r ≈ 0.55).
    let ms = src.reduce(0, +) / Double(src.count), mo = out.reduce(0, +) / Double(out.count)
    let cov = zip(src, out).map { ($0 - ms) * ($1 - mo) }.reduce(0, +)
    let r = cov / (src.map { ($0 - ms) * ($0 - ms) }.reduce(0, +) * out.map { ($0 - mo) * ($0 - mo) }.reduce(0, +)).squareRoot()
    XCTAssertGreaterThan(r, 0.4, "correlation of source and reconstruction brightness \(r)")
    let gan = try Generator.train(data: train, kind: "gan", steps: 1, batch: 8, seed: 0)
    assertThrowsMessage(try gan.reconstruct(held), contains: ["from:", "cvae", "gan has no encoder"])
    assertThrowsMessage(try gen.reconstruct(try quadrantDataset(perClass: 1, side: 12)), contains: ["[1, 12, 12]", "[1, 8, 8]"])
  }

  func testGeneratedDatasetCountsShapeAndProvenance() throws {
    for kind in Generator.kinds {
      try checkGeneratedDataset(kind: kind)
    }
  }

  func checkGeneratedDataset(kind: String) throws {
    let data = try quadrantDataset(perClass: 4, channels: 3, side: 12)
    let gen = try Generator.train(data: data, kind: kind, steps: 3, batch: 8, seed: 3)
    let d = try gen.generate(perClass: 7, seed: 4, temperature: 0.5)
    XCTAssertEqual(d.count, 28)
    XCTAssertEqual(d.classCounts, [7, 7, 7, 7])
    XCTAssertEqual(d.imageShape, [3, 12, 12])
    XCTAssertEqual(d.classNames, data.classNames)
    XCTAssertEqual(d.syntheticCount, 28)
    XCTAssertEqual(d.originNames, [kind])
    for i in 0..<d.count { XCTAssertEqual(try d.origin(at: i), kind) }
    XCTAssertEqual(gen.kind, kind)
    XCTAssertTrue(gen.history.allSatisfy(\.isFinite))
    XCTAssertEqual(gen.imageShape, [3, 12, 12])
  }

  func testDeterministicPerSeed() throws {
    for kind in Generator.kinds { try checkDeterministic(kind: kind) }
  }

  func checkDeterministic(kind: String) throws {
    let data = try quadrantDataset(perClass: 4)
    let a = try Generator.train(data: data, kind: kind, steps: 4, batch: 8, seed: 9)
    let b = try Generator.train(data: data, kind: kind, steps: 4, batch: 8, seed: 9)
    XCTAssertEqual(a.history, b.history)
    let s1 = try a.generate(perClass: 3, seed: 11), s2 = try b.generate(perClass: 3, seed: 11)
    XCTAssertEqual(s1.pixels, s2.pixels)
    XCTAssertEqual(try a.generate(perClass: 3, seed: 11).pixels, s1.pixels)
    XCTAssertNotEqual(try a.generate(perClass: 3, seed: 12).pixels, s1.pixels)
    let c = try Generator.train(data: data, kind: kind, steps: 4, batch: 8, seed: 10)
    XCTAssertNotEqual(c.history, a.history)
  }

  func testErrors() throws {
    let data = try quadrantDataset(perClass: 2)
    assertThrowsMessage(try Generator.train(data: data, kind: "gan9", steps: 1, seed: 0),
                        contains: ["unknown generator kind 'gan9'", "kinds are cvae, gan"])
    let odd = try randomDataset(perClass: 1, classes: 2, c: 1, h: 10, w: 12)
    assertThrowsMessage(try Generator.train(data: odd, steps: 1, seed: 0), contains: ["divisible by 4", "1x10x12"])
    assertThrowsMessage(try Generator.train(data: data, steps: 0, seed: 0), contains: ["steps must be at least 1"])
    let gen = try Generator.train(data: data, steps: 1, batch: 4, seed: 0)
    assertThrowsMessage(try gen.generate(perClass: 0, seed: 0), contains: ["per_class"])
    assertThrowsMessage(try gen.generate(perClass: 1, seed: 0, temperature: -1), contains: ["temperature"])
    let other = try quadrantDataset(perClass: 2, side: 12)
    assertThrowsMessage(try gen.fit(data: other, steps: 1), contains: ["[1, 12, 12]", "[1, 8, 8]"])
  }

  func testInterruptKeepsTrainedSteps() throws {
    let data = try quadrantDataset(perClass: 2)
    let gen = try Generator(classNames: data.classNames, imageShape: data.imageShape, seed: 0)
    let token = CancellationToken()
    XCTAssertThrowsError(try gen.fit(data: data, steps: 10, batch: 4, cancellation: token) { step, _ in
      if step == 3 { token.request() }
    }) { XCTAssertEqual($0 as? RuntimeError, .interrupted) }
    XCTAssertEqual(gen.steps, 3)
  }

  func testSaveAndLoadRoundTrip() throws {
    let dir = try makeTempDir(self)
    for kind in Generator.kinds { try checkSaveLoad(kind: kind, dir: dir) }
  }

  func checkSaveLoad(kind: String, dir: String) throws {
    let data = try quadrantDataset(perClass: 4)
    let gen = try Generator.train(data: data, kind: kind, steps: 3, batch: 8, seed: 6)
    let path = "\(dir)/\(kind).safetensors"
    try gen.save(path: path)
    let back = try Generator.load(path: path)
    XCTAssertEqual(back.kind, kind)
    XCTAssertEqual(back.classNames, data.classNames)
    XCTAssertEqual(back.imageShape, [1, 8, 8])
    XCTAssertEqual(back.history, gen.history)
    XCTAssertEqual(try back.generate(perClass: 2, seed: 1).pixels, try gen.generate(perClass: 2, seed: 1).pixels)
    try Safetensors.write([("w", Tensor(zeros: [2]))], path: "\(dir)/other.safetensors")
    assertThrowsMessage(try Generator.load(path: "\(dir)/other.safetensors"), contains: ["other.safetensors", "generator"])
  }
}
