import XCTest
@testable import Runtime

final class ImageFolderTests: XCTestCase {
  func testExportThenLoadIsBitExactForGreyAndRGB() throws {
    for c in [1, 3] {
      let dir = try makeTempDir(self)
      var d = try randomDataset(perClass: 3, classes: 4, c: c, h: 5, w: 7, seed: UInt64(c))
      d = try Dataset(
        name: "d", pixels: d.pixels, labels: d.labels, classNames: ["T-shirt/top", "b", "c", "d"],
        channels: c, height: 5, width: 7, originNames: ["toy"])
      try d.exportFolder(path: dir + "/out")
      XCTAssertTrue(FileBytes.isDirectory(dir + "/out/T-shirt_top"))
      let back = try Dataset.imageFolder(path: dir + "/out", synthetic: true)
      XCTAssertEqual(back.classNames, d.classNames, "channels \(c)")
      XCTAssertEqual(back.imageShape, d.imageShape)
      XCTAssertEqual(back.syntheticCount, back.count)
      XCTAssertEqual(back.originNames, ["out"])
      // Files are read class by class, each class in dataset order.
      let order = (0..<d.count).sorted { (d.labels[$0], $0) < (d.labels[$1], $1) }
      let expected = try d.subset(order)
      XCTAssertEqual(back.pixels, expected.pixels, "channels \(c)")
      XCTAssertEqual(back.labels, expected.labels)
    }
  }

  /// A dataset lacking some classes (a small subset, generated images of a few classes)
  /// exports an empty folder for each missing class; loading it back keeps every class.
  func testExportWithAbsentClassesLoadsBack() throws {
    let dir = try makeTempDir(self)
    let all = try randomDataset(perClass: 2, classes: 4, h: 3, w: 3)
    // Classes 0 and 3 only, in class order (files load back class by class).
    let d = try all.subset(all.labels.indices.filter { all.labels[$0] == 0 } + all.labels.indices.filter { all.labels[$0] == 3 })
    XCTAssertEqual(d.labels, [0, 0, 3, 3])
    try d.exportFolder(path: dir + "/out")
    let back = try Dataset.imageFolder(path: dir + "/out")
    XCTAssertEqual(back.classNames, d.classNames)
    XCTAssertEqual(back.labels, d.labels)
    XCTAssertEqual(back.pixels, d.pixels)
  }

  func testFolderWithoutClassListSortsClassesAndConvertsChannels() throws {
    let dir = try makeTempDir(self)
    for cls in ["zebra", "apple"] { try FileBytes.makeDirectory("\(dir)/\(cls)") }
    try PNGCodec.write(path: "\(dir)/zebra/a.png", pixels: [10, 20, 30, 40], width: 2, height: 2, channels: 1)
    try PNGCodec.write(path: "\(dir)/apple/b.png", pixels: [255, 0, 0, 0, 255, 0, 0, 0, 255, 9, 9, 9], width: 2, height: 2, channels: 3)
    let d = try Dataset.imageFolder(path: dir)
    XCTAssertEqual(d.classNames, ["apple", "zebra"])
    XCTAssertEqual(d.channels, 3)
    XCTAssertEqual(d.labels, [0, 1])
    // The RGB image is stored as planes; the grey one is replicated to three channels.
    XCTAssertEqual(Array(d.pixels[0..<12]), [255, 0, 0, 9, 0, 255, 0, 9, 0, 0, 255, 9])
    XCTAssertEqual(Array(d.pixels[12..<24]), [10, 20, 30, 40, 10, 20, 30, 40, 10, 20, 30, 40])
    let grey = try Dataset.imageFolder(path: dir, channels: 1)
    XCTAssertEqual(Array(grey.pixels[0..<4]), [76, 150, 29, 9])  // ITU-R 601 luma
  }

  func testFolderErrorsNameTheFile() throws {
    let dir = try makeTempDir(self)
    assertThrowsMessage(try Dataset.imageFolder(path: dir + "/missing"), contains: ["missing", "folder not found"])
    assertThrowsMessage(try Dataset.imageFolder(path: dir), contains: ["no class folders"])
    try FileBytes.makeDirectory("\(dir)/a")
    try FileBytes.makeDirectory("\(dir)/b")
    try PNGCodec.write(path: "\(dir)/a/1.png", pixels: [1, 2, 3, 4], width: 2, height: 2, channels: 1)
    assertThrowsMessage(try Dataset.imageFolder(path: dir), contains: ["\(dir)/b", "class folder 'b' has no images"])
    try AtomicWrite.write("not a picture", to: "\(dir)/b/notes.txt")
    assertThrowsMessage(try Dataset.imageFolder(path: dir), contains: ["\(dir)/b/notes.txt", "not a PNG"])
    let png = try PNGCodec.encode(pixels: [1, 2, 3, 4], width: 2, height: 2, channels: 1)
    try AtomicWrite.write(Array(png.prefix(png.count - 20)), to: "\(dir)/b/notes.txt")
    assertThrowsMessage(try Dataset.imageFolder(path: dir), contains: ["\(dir)/b/notes.txt"])
    try PNGCodec.write(path: "\(dir)/b/notes.txt", pixels: [1, 2, 3, 4, 5, 6], width: 3, height: 2, channels: 1)
    assertThrowsMessage(try Dataset.imageFolder(path: dir), contains: ["\(dir)/b/notes.txt", "3x2", "2x2", "one size"])
  }
}

final class DatasetShowTests: XCTestCase {
  func testShowWritesAGridPNGWithSyntheticFrames() throws {
    let dir = try makeTempDir(self)
    let real = try randomDataset(perClass: 2, classes: 3, h: 10, w: 10)
    let mixed = try Dataset.concat([real, real.markSynthetic(origin: "cvae")])
    try mixed.show(n: 12, path: dir + "/grid.png")
    let png = try PNGCodec.read(path: dir + "/grid.png")
    XCTAssertGreaterThan(png.width, 4 * 20)
    XCTAssertGreaterThan(png.height, 3 * 20)
    // The synthetic frame colour appears only when synthetic samples are shown.
    func hasFrame(_ p: (pixels: [UInt8], width: Int, height: Int, channels: Int)) -> Bool {
      let f = Dataset.syntheticFrame
      return stride(from: 0, to: p.pixels.count, by: p.channels).contains {
        p.pixels[$0] == f.r && p.pixels[$0 + 1] == f.g && p.pixels[$0 + 2] == f.b
      }
    }
    XCTAssertTrue(hasFrame(png))
    try real.show(n: 4, path: dir + "/real.png")
    XCTAssertFalse(hasFrame(try PNGCodec.read(path: dir + "/real.png", channels: 3)))
    assertThrowsMessage(try real.show(n: 0, path: dir + "/x.png"), contains: ["show", "n must be >= 1"])
    assertThrowsMessage(try real.take(0).grid(), contains: ["is empty"])
  }
}
