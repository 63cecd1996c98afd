import XCTest
@testable import Runtime

final class AugmentationTests: XCTestCase {
  func testDeterministicPerSeedAndChangesImages() throws {
    for (c, h, w) in [(1, 28, 28), (3, 32, 32), (3, 17, 11)] {
      let d = try randomDataset(perClass: 2, classes: 4, c: c, h: h, w: w)
      let idx = Array(0..<8)
      let plain = try d.batch(idx)
      for aug in [Augmentation.weak, try .strong(n: 2, m: 10)] {
        let a = try d.batch(idx, augmentation: aug, seed: 5, step: 3)
        let b = try d.batch(idx, augmentation: aug, seed: 5, step: 3)
        let other = try d.batch(idx, augmentation: aug, seed: 6, step: 3)
        let nextStep = try d.batch(idx, augmentation: aug, seed: 5, step: 4)
        XCTAssertEqual(a.values, b.values, "\(aug.name) \(c)x\(h)x\(w)")
        XCTAssertNotEqual(a.values, other.values)
        XCTAssertNotEqual(a.values, nextStep.values)
        XCTAssertNotEqual(a.values, plain.values, "\(aug.name) must change images")
        // A batch of one image gives that image the same view as position 0 of a larger batch.
        let single = try d.batch([0], augmentation: aug, seed: 5, step: 3)
        XCTAssertEqual(single.values, Array(a.values[0..<d.imageSize]))
      }
    }
  }

  func testWeakIsAFlipAndReflectShift() throws {
    // With a 1-row image we can enumerate every weak outcome: flip and shift in [-pad, pad].
    let w = 16, pad = 2
    let row = (0..<w).map { UInt8($0 * 10) }
    let d = try Dataset(name: "row", pixels: row, labels: [0], classNames: ["a"], channels: 1, height: 1, width: w, originNames: ["x"])
    func reflect(_ i: Int) -> Int { i < 0 ? -i : i >= w ? 2 * (w - 1) - i : i }
    var allowed = Set<[UInt8]>()
    for flip in [false, true] {
      let src = flip ? Array(row.reversed()) : row
      for dx in -pad...pad { allowed.insert((0..<w).map { src[reflect($0 + dx)] }) }
    }
    var seen = Set<[UInt8]>()
    for seed in 0..<200 {
      let t = try d.batch([0], augmentation: .weak, seed: UInt64(seed))
      let out = t.values.map { UInt8(($0 * 255).rounded()) }
      XCTAssertTrue(allowed.contains(out), "seed \(seed): \(out) is not a flip+reflect shift")
      seen.insert(out)
    }
    XCTAssertEqual(seen.count, allowed.count, "every flip/shift combination occurs")
  }

  func testPixelOpsMatchPILDefinitions() {
    let c = 1, h = 4, w = 4
    let px: [UInt8] = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130, 140, 150]
    var tmp = [UInt8](repeating: 0, count: 16)
    func run(_ body: (AugmentImage) -> Void) -> [UInt8] {
      var copy = px
      copy.withUnsafeMutableBufferPointer { p in
        tmp.withUnsafeMutableBufferPointer { t in body(AugmentImage(p: p.baseAddress!, tmp: t.baseAddress!, c: c, h: h, w: w)) }
      }
      return copy
    }
    XCTAssertEqual(run { $0.autoContrast() }, px.map { UInt8(Float($0) * (255 / 150)) })
    XCTAssertEqual(run { $0.solarize(threshold: 100) }, px.map { $0 >= 100 ? 255 - $0 : $0 })
    XCTAssertEqual(run { $0.posterize(bits: 4) }, px.map { $0 & 0xF0 })
    XCTAssertEqual(run { $0.brightness(0.5) }, px.map { UInt8((Float($0) * 0.5).rounded()) })
    XCTAssertEqual(run { $0.color(0.1) }, px, "Color is the identity on grey images")
    XCTAssertEqual(run { $0.contrast(0) }, [UInt8](repeating: 75, count: 16), "factor 0 gives the rounded mean")
    XCTAssertEqual(run { $0.affine(1, 0, 0, 0, 1, 0) }, px, "identity affine")
    XCTAssertEqual(run { $0.rotate(degrees: 0) }, px)
    XCTAssertEqual(run { $0.affine(1, 0, 1, 0, 1, 0) }, [10, 20, 30, 0, 50, 60, 70, 0, 90, 100, 110, 0, 130, 140, 150, 0], "TranslateX by one pixel fills with 0")
    // Rotating a square by 90 degrees counter-clockwise maps the top row to the left column.
    XCTAssertEqual(run { $0.rotate(degrees: 90) }, [30, 70, 110, 150, 20, 60, 100, 140, 10, 50, 90, 130, 0, 40, 80, 120])
    // Equalize: 16 distinct values, each count 1: step = 15 / 255 = 0, so PIL leaves it unchanged.
    XCTAssertEqual(run { $0.equalize() }, px)
    // Equalize on 32x32: 512 zeros, 256 x 100, 256 x 200: step = (1024 - 256) // 255 = 3,
    // lut[0] = 1 // 3 = 0, lut[100] = 513 // 3 = 171, lut[200] = 769 // 3 = 256 -> 255.
    var big = [UInt8](repeating: 0, count: 512) + [UInt8](repeating: 100, count: 256) + [UInt8](repeating: 200, count: 256)
    var scratch = [UInt8](repeating: 0, count: 1024)
    big.withUnsafeMutableBufferPointer { p in
      scratch.withUnsafeMutableBufferPointer { t in AugmentImage(p: p.baseAddress!, tmp: t.baseAddress!, c: 1, h: 32, w: 32).equalize() }
    }
    XCTAssertEqual(Set(big[0..<512]), [0])
    XCTAssertEqual(Set(big[512..<768]), [171])
    XCTAssertEqual(Set(big[768...]), [255])
  }

  func testStrongOptionsCutoutAndTensorEntryPoint() throws {
    let d = try randomDataset(perClass: 1, classes: 2, c: 3, h: 12, w: 12)
    assertThrowsMessage(try Augmentation.strong(n: 2, m: 11), contains: ["strong_aug", "m must be in [0, 10], got 11"])
    assertThrowsMessage(try Augmentation.strong(n: -1), contains: ["n must be"])
    XCTAssertEqual(try Augmentation.strong(n: 3, m: 5).name, "strong_aug(n: 3, m: 5)")
    // n = 0: strong = weak + Cutout (same generator draws first), so every pixel differing
    // from the weak view lies in one rectangle holding the grey fill.
    for seed: UInt64 in 0..<20 {
      let weak = try d.batch([0], augmentation: .weak, seed: seed).values
      let strong0 = try d.batch([0], augmentation: .strong(RandAugment(n: 0)), seed: seed).values
      let fill: [Float] = [125, 123, 114].map { $0 / 255 }
      var xs: [Int] = [], ys: [Int] = []
      for k in 0..<strong0.count where strong0[k] != weak[k] {
        XCTAssertEqual(strong0[k], fill[k / 144], accuracy: 1e-6, "seed \(seed)")
        xs.append(k % 12); ys.append(k % 144 / 12)
      }
      if let x0 = xs.min(), let x1 = xs.max(), let y0 = ys.min(), let y1 = ys.max() {
        XCTAssertLessThanOrEqual(x1 - x0 + 1, 6, "cutout side <= half the image")
        XCTAssertLessThanOrEqual(y1 - y0 + 1, 6)
      }
    }
    // Float-tensor entry point: values in [0, 1], deterministic.
    let x = try d.imageTensor(at: 0)
    let a = try Augmentation.weak.apply(to: x, seed: 3), b = try Augmentation.weak.apply(to: x, seed: 3)
    XCTAssertEqual(a.values, b.values)
    XCTAssertEqual(a.shape, [3, 12, 12])
    XCTAssertTrue(a.values.allSatisfy { $0 >= 0 && $0 <= 1 })
    assertThrowsMessage(try Augmentation.weak.apply(to: Tensor(zeros: [4, 4]), seed: 0), contains: ["augment", "[4, 4]"])
  }
}
