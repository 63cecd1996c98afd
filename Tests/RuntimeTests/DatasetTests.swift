import XCTest
@testable import Runtime

final class DatasetTests: XCTestCase {
  func testSubsetShuffleTakeKeepSamplesAndProvenance() throws {
    let real = try randomDataset(perClass: 5)
    let syn = try randomDataset(perClass: 5, seed: 9, origin: "cvae").markSynthetic()
    let all = try Dataset.concat([real, syn])
    XCTAssertEqual(all.count, 100)
    XCTAssertEqual(all.syntheticCount, 50)
    XCTAssertEqual(all.originNames, ["toy", "cvae"])
    XCTAssertEqual(try all.origin(at: 60), "cvae")
    let idx = [99, 3, 50, 49, 3]
    let sub = try all.subset(idx)
    for (j, i) in idx.enumerated() {
      XCTAssertEqual(try sub.image(at: j), try all.image(at: i))
      XCTAssertEqual(sub.labels[j], all.labels[i])
      XCTAssertEqual(sub.synthetic[j], all.synthetic[i])
      XCTAssertEqual(try sub.origin(at: j), try all.origin(at: i))
    }
    assertThrowsMessage(try all.subset([0, 100]), contains: ["subset", "index 100", "size 100"])
    assertThrowsMessage(try all.subset([-1]), contains: ["index -1"])

    let a = all.shuffled(seed: 3), b = all.shuffled(seed: 3), c = all.shuffled(seed: 4)
    XCTAssertEqual(a.pixels, b.pixels)
    XCTAssertNotEqual(a.pixels, c.pixels)
    XCTAssertEqual(a.syntheticCount, 50)
    XCTAssertEqual(a.classCounts, all.classCounts)
    // Each shuffled sample still pairs its image with its own label and provenance.
    var key: [[UInt8]: (Int, Bool)] = [:]
    for i in 0..<all.count { key[try all.image(at: i)] = (all.labels[i], all.synthetic[i]) }
    for i in 0..<a.count {
      let k = key[try a.image(at: i)]
      XCTAssertEqual(k?.0, a.labels[i]); XCTAssertEqual(k?.1, a.synthetic[i])
    }
    XCTAssertEqual(try all.take(7).count, 7)
    XCTAssertEqual(try all.take(1000).count, 100)
    let f = try all.filter(classes: [2, 5])
    XCTAssertEqual(f.classCounts, [0, 0, 10, 0, 0, 10, 0, 0, 0, 0])
    XCTAssertEqual(f.syntheticCount, 10)
  }

  func testConcatRejectsMismatches() throws {
    let a = try randomDataset(perClass: 2)
    let rgb = try randomDataset(perClass: 2, c: 3)
    let big = try randomDataset(perClass: 2, h: 9)
    assertThrowsMessage(try Dataset.concat([a, rgb]), contains: ["concat", "[1, 8, 8]", "[3, 8, 8]"])
    assertThrowsMessage(try Dataset.concat([a, big]), contains: ["concat", "[1, 9, 8]"])
    let fewer = try randomDataset(perClass: 2, classes: 3)
    assertThrowsMessage(try Dataset.concat([a, fewer]), contains: ["different classes", "10 vs 3 classes"])
    let renamed = try Dataset(name: "r", pixels: a.pixels, labels: a.labels, classNames: (0..<10).map { String($0) }, channels: 1, height: 8, width: 8, originNames: ["x"])
    assertThrowsMessage(try Dataset.concat([a, renamed]), contains: ["class 0 is 'class0' in one and '0' in the other"])
  }

  func testSummaryAndChannelStats() throws {
    let d = try Dataset(
      name: "tiny", pixels: [0, 255, 0, 255, 10, 10, 10, 10], labels: [0, 1], classNames: ["a", "b"],
      channels: 2, height: 1, width: 2, synthetic: [false, true], originNames: ["x"])
    XCTAssertEqual(d.summary, "tiny: 2 images 2x1x2, 2 classes, 1 synthetic")
    let s = d.channelStats()
    // channel 0: 0, 255, 10, 10 ; channel 1: 0, 255, 10, 10
    let m = Float(275.0 / 4 / 255)
    XCTAssertEqual(s.mean[0], m, accuracy: 1e-6)
    XCTAssertEqual(s.mean[1], m, accuracy: 1e-6)
    let ex2: Double = (255.0 * 255.0 + 200.0) / 4, ex: Double = 275.0 / 4
    let v = ex2 - ex * ex
    XCTAssertEqual(s.std[0], Float(v.squareRoot() / 255), accuracy: 1e-5)
    assertThrowsMessage(
      try Dataset(name: "bad", pixels: [1, 2, 3], labels: [0], classNames: ["a"], channels: 1, height: 2, width: 2, originNames: ["x"]),
      contains: ["3 pixel bytes", "1 images of 1x2x2"])
    assertThrowsMessage(
      try Dataset(name: "bad", pixels: [1], labels: [4], classNames: ["a"], channels: 1, height: 1, width: 1, originNames: ["x"]),
      contains: ["label 4"])
  }

  func testSSLSplitInvariantsForSeveralSeeds() throws {
    let d = try randomDataset(perClass: 30)
    for seed: UInt64 in [0, 1, 2, 17] {
      let (lab, unl) = try d.sslSplit(perClass: 4, seed: seed)
      XCTAssertEqual(lab.classCounts, [Int](repeating: 4, count: 10), "seed \(seed)")
      XCTAssertEqual(unl.count, 300 - 40, "seed \(seed)")
      XCTAssertEqual(Set(images(lab)).intersection(images(unl)).count, 0, "seed \(seed): labeled and unlabeled overlap")
      XCTAssertEqual(Set(images(lab)).union(images(unl)), Set(images(d)), "seed \(seed)")
      let again = try d.sslSplit(perClass: 4, seed: seed)
      XCTAssertEqual(again.labeled.pixels, lab.pixels)
      let (_, bal) = try d.sslSplit(perClass: 4, seed: seed, unlabeled: 53)
      XCTAssertEqual(bal.count, 53)
      XCTAssertTrue(bal.classCounts.allSatisfy { $0 == 5 || $0 == 6 }, "\(bal.classCounts)")
      XCTAssertEqual(Set(images(lab)).intersection(images(bal)).count, 0)
    }
    XCTAssertNotEqual(try d.sslSplit(perClass: 4, seed: 0).labeled.pixels, try d.sslSplit(perClass: 4, seed: 1).labeled.pixels)
    // Provenance survives the split.
    let mixed = try Dataset.concat([d, try randomDataset(perClass: 30, seed: 99).markSynthetic(origin: "cvae")])
    let (l2, u2) = try mixed.sslSplit(perClass: 10, seed: 5)
    XCTAssertEqual(l2.syntheticCount + u2.syntheticCount, 300)
    XCTAssertEqual(u2.originNames.sorted(), ["cvae", "toy"])
  }

  func testSSLSplitErrorsNameClassAndSize() throws {
    let d = try randomDataset(perClass: 30)
    assertThrowsMessage(try d.sslSplit(perClass: 31), contains: ["ssl_split", "per_class 31", "class 0 'class0'", "30 images"])
    assertThrowsMessage(try d.sslSplit(perClass: 0), contains: ["per_class must be >= 1"])
    assertThrowsMessage(try d.sslSplit(perClass: 10, unlabeled: 250), contains: ["unlabeled 250", "only 20 remain"])
  }

  func testMixExactRatioAndProvenance() throws {
    let real = try randomDataset(perClass: 40)
    let syn = try randomDataset(perClass: 20, seed: 3, origin: "cvae")
    for (seed, ratio, size) in [(UInt64(0), 0.3, 101), (1, 0.5, 200), (2, 0.0, 50), (3, 1.0, 77), (4, 0.25, 7)] {
      let m = try Dataset.mix(real: real, synthetic: syn, ratio: ratio, size: size, seed: seed)
      XCTAssertEqual(m.count, size)
      XCTAssertEqual(m.syntheticCount, Int((ratio * Double(size)).rounded()), "seed \(seed) ratio \(ratio)")
      // Synthetic flags mark exactly the images that came from the synthetic source.
      let synImages = Set(images(syn)), realImages = Set(images(real))
      for i in 0..<m.count {
        let img = try m.image(at: i)
        XCTAssertEqual(m.synthetic[i], synImages.contains(img))
        XCTAssertTrue(synImages.contains(img) || realImages.contains(img))
        XCTAssertEqual(try m.origin(at: i), m.synthetic[i] ? "cvae" : "toy")
      }
      XCTAssertEqual(Set(images(m)).count, size, "sampled without replacement")
    }
    let auto = try Dataset.mix(real: real, synthetic: syn, ratio: 0.5, seed: 0)
    XCTAssertEqual(auto.count, 400)
    XCTAssertEqual(auto.syntheticCount, 200)
    XCTAssertEqual(try Dataset.mix(real: real, synthetic: syn, ratio: 0.5, size: 300, seed: 9).pixels,
                   try Dataset.mix(real: real, synthetic: syn, ratio: 0.5, size: 300, seed: 9).pixels)
  }

  func testMixSeveralSourcesKeepsSharesAndOrigins() throws {
    let real = try randomDataset(perClass: 40)
    let a = try randomDataset(perClass: 20, seed: 3, origin: "cvae")
    let b = try randomDataset(perClass: 20, seed: 4, origin: "gan")
    for (seed, ratio, size, shares) in [(UInt64(0), 0.5, 101, [1.0, 1.0]), (1, 0.75, 200, [3, 1]), (2, 0.3, 77, [0, 2])] {
      let m = try Dataset.mix(real: real, synthetic: [a, b], shares: shares, ratio: ratio, size: size, seed: seed)
      let nSyn = Int((ratio * Double(size)).rounded())
      XCTAssertEqual(m.count, size)
      XCTAssertEqual(m.syntheticCount, nSyn)
      let origins = try (0..<m.count).map { try m.origin(at: $0) }
      let nA = origins.filter { $0 == "cvae" }.count, nB = origins.filter { $0 == "gan" }.count
      XCTAssertEqual(nA + nB, nSyn)
      // Largest remainder: each source's count is its exact share rounded down or up.
      let exactA = shares[0] / (shares[0] + shares[1]) * Double(nSyn)
      XCTAssertTrue(Double(nA) == exactA.rounded(.down) || Double(nA) == exactA.rounded(.up), "seed \(seed): \(nA) vs \(exactA)")
      let aImages = Set(images(a)), bImages = Set(images(b))
      for i in 0..<m.count where m.synthetic[i] {
        let img = try m.image(at: i)
        XCTAssertTrue(origins[i] == "cvae" ? aImages.contains(img) : bImages.contains(img))
      }
      XCTAssertEqual(Set(images(m)).count, size, "sampled without replacement")
    }
    // Without size: the largest set all sources can supply (400 real + 200 + 200 at 0.5).
    let auto = try Dataset.mix(real: real, synthetic: [a, b], ratio: 0.5, seed: 0)
    XCTAssertEqual(auto.syntheticCount, 400)
    XCTAssertEqual(auto.count, 800)
    // One source is the single-source mix exactly.
    XCTAssertEqual(try Dataset.mix(real: real, synthetic: [a], ratio: 0.5, size: 60, seed: 7).pixels,
                   try Dataset.mix(real: real, synthetic: a, ratio: 0.5, size: 60, seed: 7).pixels)
    assertThrowsMessage(try Dataset.mix(real: real, synthetic: [a, b], shares: [1], ratio: 0.5), contains: ["1 shares for 2 synthetic sources"])
    assertThrowsMessage(try Dataset.mix(real: real, synthetic: [a, b], shares: [1, -1], ratio: 0.5), contains: ["shares must be non-negative"])
    assertThrowsMessage(try Dataset.mix(real: real, synthetic: [a, b], shares: [3, 1], ratio: 1, size: 300), contains: ["needs 225 synthetic images from", "has 200"])
  }

  func testMixErrors() throws {
    let real = try randomDataset(perClass: 4)
    let syn = try randomDataset(perClass: 1, seed: 3)
    assertThrowsMessage(try Dataset.mix(real: real, synthetic: syn, ratio: 1.5), contains: ["mix", "ratio must be in [0, 1], got 1.5"])
    assertThrowsMessage(try Dataset.mix(real: real, synthetic: syn, ratio: -0.1), contains: ["ratio must be in [0, 1]"])
    assertThrowsMessage(try Dataset.mix(real: real, synthetic: syn, ratio: 0.5, size: 40), contains: ["needs 20 synthetic images", "has 10"])
    assertThrowsMessage(try Dataset.mix(real: syn.markSynthetic(), synthetic: syn, ratio: 0.5), contains: ["contains 10 synthetic"])
  }

  func testFromTensorsRoundTripsEightBitImages() throws {
    let d = try randomDataset(perClass: 2, classes: 3, c: 3, h: 4, w: 5)
    let back = try Dataset.fromTensors(images: d.imagesTensor(), labels: d.labels)
    XCTAssertEqual(back.pixels, d.pixels)
    XCTAssertEqual(back.classNames, ["0", "1", "2"])
    let nan = Tensor(shape: [1, 1, 1, 2], values: [.nan, 2])
    XCTAssertEqual(try Dataset.fromTensors(images: nan, labels: [0]).pixels, [0, 255])
    assertThrowsMessage(try Dataset.fromTensors(images: Tensor(zeros: [2, 4]), labels: [0, 1]), contains: ["from_tensors", "[2, 4]"])
    assertThrowsMessage(try Dataset.fromTensors(images: Tensor(zeros: [2, 1, 2, 2]), labels: [0]), contains: ["1 labels for 2 images"])
    assertThrowsMessage(try Dataset.fromTensors(images: Tensor(zeros: [1, 1, 2, 2]), labels: [-1]), contains: ["label -1"])
  }

  private func images(_ d: Dataset) -> [[UInt8]] {
    (0..<d.count).map { i in Array(d.pixels[i * d.imageSize ..< (i + 1) * d.imageSize]) }
  }
}
