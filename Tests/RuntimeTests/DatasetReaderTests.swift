import XCTest
@testable import Runtime
#if canImport(Glibc)
import Glibc
#endif

final class DatasetReaderTests: XCTestCase {
  static let fashionFolder = "/usr/share/datasets/fashion-mnist"

  func testRealFashionMNISTLoadsWithClassCounts() throws {
    try XCTSkipUnless(FileBytes.isDirectory(Self.fashionFolder), "dataset-fashion-mnist is not installed")
    let clock = ContinuousClock()
    var train: Dataset?
    // Loading is single-threaded: the thread's CPU time is the cost of our code, while the
    // wall time also counts other processes competing for the 2 cores.
    let cpu0 = threadCPUSeconds()
    let elapsed = try clock.measure { train = try Dataset.fashionMNIST(split: "train") }
    let cpu = threadCPUSeconds() - cpu0
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    print("fashion-mnist train load: \(String(format: "%.3f", seconds)) s wall, \(String(format: "%.3f", cpu)) s CPU")
    let tr = try XCTUnwrap(train)
    XCTAssertEqual(tr.count, 60000)
    XCTAssertEqual(tr.imageShape, [1, 28, 28])
    XCTAssertEqual(tr.classCounts, [Int](repeating: 6000, count: 10))
    XCTAssertEqual(tr.classNames[9], "Ankle boot")
    XCTAssertEqual(tr.syntheticCount, 0)
    XCTAssertEqual(tr.summary, "fashion-mnist/train: 60000 images 1x28x28, 10 classes, 0 synthetic")
    // The first training image is an ankle boot whose top rows are background.
    XCTAssertEqual(tr.labels[0], 9)
    XCTAssertEqual(try tr.image(at: 0).prefix(28).max(), 0)
    let te = try Dataset.fashionMNIST(split: "test")
    XCTAssertEqual(te.count, 10000)
    XCTAssertEqual(te.classCounts, [Int](repeating: 1000, count: 10))
    let stats = tr.channelStats()
    XCTAssertEqual(stats.mean[0], 0.2860, accuracy: 1e-3)  // the published Fashion-MNIST mean
    XCTAssertEqual(stats.std[0], 0.3530, accuracy: 1e-3)
    #if !DEBUG
    XCTAssertLessThan(cpu, 1.0, "loading the training set must take < 1 s in release")
    #endif
  }

  func testIDXPlainAndGzipFromFolderAndEnvironment() throws {
    let dir = try makeTempDir(self)
    let (imgs, labs) = idxFiles(count: 3, rows: 2, cols: 3)
    try AtomicWrite.write(imgs, to: "\(dir)/train-images-idx3-ubyte")
    try AtomicWrite.write(gzipBytes(labs), to: "\(dir)/train-labels-idx1-ubyte.gz")
    let d = try Dataset.fashionMNIST(split: "train", path: dir)
    XCTAssertEqual(d.count, 3)
    XCTAssertEqual(d.imageShape, [1, 2, 3])
    XCTAssertEqual(d.labels, [0, 1, 2])
    XCTAssertEqual(d.pixels, Array(imgs[16...]))
    setenv("RSLAB_DATA", dir, 1)
    defer { unsetenv("RSLAB_DATA") }
    XCTAssertEqual(IDXReader.defaultFashionMNISTFolder(), dir)
    XCTAssertEqual(try Dataset.fashionMNIST().pixels, d.pixels)
  }

  func testIDXBadInputErrors() throws {
    let dir = try makeTempDir(self)
    assertThrowsMessage(try Dataset.fashionMNIST(path: dir), contains: ["train-images-idx3-ubyte.gz", "file not found"])
    assertThrowsMessage(try Dataset.fashionMNIST(path: dir + "/nope"), contains: ["nope", "folder not found"])
    assertThrowsMessage(try Dataset.fashionMNIST(split: "val", path: dir), contains: ["split must be"])
    let (imgs, labs) = idxFiles(count: 4, rows: 2, cols: 2)
    // Truncated image data.
    try AtomicWrite.write(Array(imgs.dropLast(3)), to: "\(dir)/train-images-idx3-ubyte")
    try AtomicWrite.write(labs, to: "\(dir)/train-labels-idx1-ubyte")
    assertThrowsMessage(try Dataset.fashionMNIST(path: dir), contains: ["train-images-idx3-ubyte", "truncated file", "4 images of 2x2 (16 bytes)", "only 13"])
    // Truncated gzip stream.
    unlink("\(dir)/train-images-idx3-ubyte")
    let gz = gzipBytes(imgs)
    try AtomicWrite.write(Array(gz.prefix(gz.count - 12)), to: "\(dir)/train-images-idx3-ubyte.gz")
    assertThrowsMessage(try Dataset.fashionMNIST(path: dir), contains: ["train-images-idx3-ubyte.gz", "truncated"])
    // Wrong magic: a label file where images are expected.
    try AtomicWrite.write(gzipBytes(labs), to: "\(dir)/train-images-idx3-ubyte.gz")
    assertThrowsMessage(try Dataset.fashionMNIST(path: dir), contains: ["wrong magic number 0x00000801", "expected 0x00000803"])
    // Label/image count mismatch.
    try AtomicWrite.write(gzipBytes(imgs), to: "\(dir)/train-images-idx3-ubyte.gz")
    try AtomicWrite.write(idxFiles(count: 5, rows: 2, cols: 2).1, to: "\(dir)/train-labels-idx1-ubyte")
    assertThrowsMessage(try Dataset.fashionMNIST(path: dir), contains: ["train-labels-idx1-ubyte", "count mismatch: 5 labels for 4 images"])
    // Corrupt gzip data.
    var bad = gzipBytes(imgs)
    for k in 12..<min(bad.count - 8, 30) { bad[k] ^= 0x5a }
    try AtomicWrite.write(bad, to: "\(dir)/train-images-idx3-ubyte.gz")
    assertThrowsMessage(try Dataset.fashionMNIST(path: dir), contains: ["train-images-idx3-ubyte.gz"])
  }

  func testCIFAR10BinaryBatches() throws {
    let dir = try makeTempDir(self)
    var expected: [UInt8] = [], labels: [Int] = []
    var rng = RNG(seed: 3)
    for b in 1...5 {
      let (bytes, px, lab) = cifarRecords(count: 2 + b, labelBytes: 1, classes: 10, rng: &rng)
      try AtomicWrite.write(bytes, to: "\(dir)/data_batch_\(b).bin")
      expected += px; labels += lab
    }
    let (tb, tpx, tlab) = cifarRecords(count: 4, labelBytes: 1, classes: 10, rng: &rng)
    try AtomicWrite.write(tb, to: "\(dir)/test_batch.bin")
    let train = try Dataset.cifar10(path: dir)
    XCTAssertEqual(train.count, 25)
    XCTAssertEqual(train.imageShape, [3, 32, 32])
    XCTAssertEqual(train.pixels, expected)
    XCTAssertEqual(train.labels, labels)
    XCTAssertEqual(train.classNames, CIFARReader.cifar10Classes)
    try AtomicWrite.write((0..<10).map { "c\($0)" }.joined(separator: "\n") + "\n", to: "\(dir)/batches.meta.txt")
    let test = try Dataset.cifar10(path: dir, split: "test")
    XCTAssertEqual(test.pixels, tpx)
    XCTAssertEqual(test.labels, tlab)
    XCTAssertEqual(test.classNames[3], "c3")
    // Truncated record and a missing batch.
    try AtomicWrite.write(Array(tb.dropLast(100)), to: "\(dir)/test_batch.bin")
    assertThrowsMessage(try Dataset.cifar10(path: dir, split: "test"), contains: ["test_batch.bin", "truncated file", "3073-byte"])
    unlink("\(dir)/data_batch_3.bin")
    assertThrowsMessage(try Dataset.cifar10(path: dir), contains: ["data_batch_3.bin", "cannot open: No such file"])
  }

  func testCIFAR100UsesFineLabels() throws {
    let dir = try makeTempDir(self)
    try FileBytes.makeDirectory("\(dir)/cifar-100-binary")
    var rng = RNG(seed: 4)
    let (bytes, px, fine) = cifarRecords(count: 6, labelBytes: 2, classes: 100, rng: &rng)
    try AtomicWrite.write(bytes, to: "\(dir)/cifar-100-binary/train.bin")
    try AtomicWrite.write(bytes, to: "\(dir)/cifar-100-binary/test.bin")
    let d = try Dataset.cifar100(path: dir)
    XCTAssertEqual(d.labels, fine)
    XCTAssertEqual(d.pixels, px)
    XCTAssertEqual(d.classCount, 100)
    XCTAssertEqual(d.classNames[99], "worm")
    var badLabel = bytes
    badLabel[1] = 100
    try AtomicWrite.write(badLabel, to: "\(dir)/cifar-100-binary/test.bin")
    assertThrowsMessage(try Dataset.cifar100(path: dir, split: "test"), contains: ["test.bin", "label 100"])
  }

  // MARK: - Helpers writing the real binary layouts

  private func threadCPUSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
  }

  private func idxFiles(count: Int, rows: Int, cols: Int) -> ([UInt8], [UInt8]) {
    func be(_ v: Int) -> [UInt8] { [UInt8(v >> 24 & 255), UInt8(v >> 16 & 255), UInt8(v >> 8 & 255), UInt8(v & 255)] }
    let imgs = [0, 0, 8, 3] + be(count) + be(rows) + be(cols) + (0..<(count * rows * cols)).map { UInt8($0 * 7 % 256) }
    let labs = [0, 0, 8, 1] + be(count) + (0..<count).map { UInt8($0 % 10) }
    return (imgs, labs)
  }

  private func cifarRecords(count: Int, labelBytes: Int, classes: Int, rng: inout RNG) -> ([UInt8], [UInt8], [Int]) {
    var bytes: [UInt8] = [], px: [UInt8] = [], labels: [Int] = []
    for _ in 0..<count {
      let coarse = UInt8(rng.int(below: 20)), label = rng.int(below: classes)
      if labelBytes == 2 { bytes.append(coarse) }
      bytes.append(UInt8(label))
      let img = (0..<3072).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
      bytes += img; px += img; labels.append(label)
    }
    return (bytes, px, labels)
  }
}
