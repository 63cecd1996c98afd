import CZlib
import XCTest
@testable import Runtime

/// The damaged-file matrix: every reader (IDX, CIFAR, PNG, npy, safetensors) given a
/// truncated file, a wrong magic number, sizes that disagree with the data, and random
/// bytes must throw an error naming the file and the problem, never trap or over-allocate.
final class DamagedFileTests: XCTestCase {
  // MARK: - IDX

  func testIDXMatrix() throws {
    let dir = try makeTempDir(self)
    let imgs = idxImages(count: 3, rows: 4, cols: 5)
    let load = { (bytes: [UInt8], gz: Bool) throws -> Dataset in
      let path = "\(dir)/images" + (gz ? ".gz" : "")
      try AtomicWrite.write(gz ? gzipBytes(bytes) : bytes, to: path)
      try AtomicWrite.write([0, 0, 8, 1, 0, 0, 0, 3, 0, 1, 2], to: "\(dir)/labels")
      return try Dataset.idx(images: path, labels: "\(dir)/labels", classNames: ["a", "b", "c"], name: "t", origin: "t")
    }
    XCTAssertEqual(try load(imgs, false).count, 3)
    XCTAssertEqual(try load(imgs, true).count, 3)
    // Truncated: in the header and in the data, plain and gzip.
    assertThrowsMessage(try load(Array(imgs.prefix(3)), false), contains: ["images", "truncated file", "too short for an IDX header"])
    assertThrowsMessage(try load(Array(imgs.prefix(10)), false), contains: ["truncated file", "too short for an IDX header"])
    assertThrowsMessage(try load(Array(imgs.dropLast(1)), false), contains: ["truncated file", "3 images of 4x5 (60 bytes)", "only 59"])
    let gz = gzipBytes(imgs)
    try AtomicWrite.write(Array(gz.prefix(gz.count / 2)), to: "\(dir)/half.gz")
    assertThrowsMessage(try IDXReader.parseImages(FileBytes.readMaybeGzip("\(dir)/half.gz"), path: "x"), contains: ["half.gz", "truncated"])
    // Wrong magic.
    var magic = imgs; magic[2] = 0x0D
    assertThrowsMessage(try load(magic, false), contains: ["wrong magic number 0x00000d03", "expected 0x00000803"])
    // Wrong sizes: a header promising 2^32-1 images of 2^32-1 x 2^32-1 must not overflow or allocate.
    var huge = imgs; for k in 4..<16 { huge[k] = 0xFF }
    assertThrowsMessage(try load(huge, false), contains: ["truncated file", "the header promises 4294967295 images"])
    var labelsHuge: [UInt8] = [0, 0, 8, 1, 0xFF, 0xFF, 0xFF, 0xFF, 1]
    assertThrowsMessage(try IDXReader.parseLabels(labelsHuge, path: "l"), contains: ["l:", "4294967295 labels but only 1 bytes"])
    labelsHuge[4] = 0
    // Random bytes: always an error that names the file.
    var rng = RNG(seed: 11)
    for trial in 0..<200 {
      let bytes = randomBytes(&rng, maxCount: 64)
      assertIOError(try IDXReader.parseImages(bytes, path: "r.idx"), path: "r.idx", trial: trial)
    }
  }

  func testGzipBombIsAResourceError() throws {
    let dir = try makeTempDir(self)
    // 64 MiB of zeros compresses to ~64 KiB; with a 16 MiB budget inflating it must stop.
    let bomb = gzipBytes([UInt8](repeating: 0, count: 64 << 20))
    try AtomicWrite.write(bomb, to: "\(dir)/bomb.gz")
    try withMemoryLimit(16 << 20) {
      assertThrowsMessage(try FileBytes.readMaybeGzip("\(dir)/bomb.gz"), contains: ["inflating", "bomb.gz", "memory limit"])
    }
  }

  // MARK: - CIFAR

  func testCIFARMatrix() throws {
    let dir = try makeTempDir(self)
    let record = [UInt8(3)] + (0..<3072).map { UInt8($0 % 251) }
    let load = { (bytes: [UInt8]) throws -> Dataset in
      try AtomicWrite.write(bytes, to: "\(dir)/test_batch.bin")
      return try Dataset.cifar10(path: dir, split: "test")
    }
    XCTAssertEqual(try load(record + record).count, 2)
    // Truncated (a partial record), empty, and extra bytes (sizes that do not fit).
    assertThrowsMessage(try load(record + record.prefix(100)), contains: ["test_batch.bin", "truncated file", "1 complete, 100 bytes left over"])
    assertThrowsMessage(try load([]), contains: ["test_batch.bin", "empty file"])
    assertThrowsMessage(try load(Array(record.dropLast())), contains: ["truncated file", "0 complete, 3072 bytes left over"])
    // CIFAR has no magic number; the label byte is its only check.
    var badLabel = record; badLabel[0] = 200
    assertThrowsMessage(try load(badLabel), contains: ["test_batch.bin", "record 0 has label 200", "expected 0..<10"])
    // CIFAR-100 layout read as the wrong size.
    try FileBytes.makeDirectory("\(dir)/c100")
    try AtomicWrite.write(record + record, to: "\(dir)/c100/test.bin")
    assertThrowsMessage(try Dataset.cifar100(path: "\(dir)/c100", split: "test"), contains: ["test.bin", "3074-byte CIFAR records"])
    // Random bytes.
    var rng = RNG(seed: 12)
    for trial in 0..<20 {
      let n = rng.int(below: 3) == 0 ? 3073 : rng.int(below: 8000)
      let bytes = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
      do {
        let d = try load(bytes)
        // A whole random record with a label below 10 is a valid CIFAR file.
        XCTAssertEqual(d.count * 3073, bytes.count, "trial \(trial)")
      } catch {
        XCTAssertTrue("\(error)".contains("test_batch.bin"), "trial \(trial): \(error)")
      }
    }
  }

  // MARK: - PNG

  func testPNGMatrix() throws {
    let png = try PNGCodec.encode(pixels: (0..<48).map { UInt8($0 * 5) }, width: 4, height: 4, channels: 3)
    XCTAssertEqual(try PNGCodec.decode(png).width, 4)
    // Truncated in the signature, the header and the image data.
    for cut in [0, 4, 7, 12, 20, 33, png.count / 2, png.count - 13] {
      assertThrowsMessage(try PNGCodec.decode(Array(png.prefix(cut))), contains: ["<png data>"])
    }
    // Only the IEND trailer missing: the pixels are complete, and libpng (like browsers)
    // decodes them; the result must be the full image.
    XCTAssertEqual(try PNGCodec.decode(Array(png.dropLast(12))).pixels, try PNGCodec.decode(png).pixels)
    assertThrowsMessage(try PNGCodec.decode(Array(png.prefix(png.count / 2))), contains: ["PNG"])
    // Wrong magic.
    var magic = png; magic[1] = UInt8(ascii: "J")
    assertThrowsMessage(try PNGCodec.decode(magic), contains: ["not a PNG file (bad signature)"])
    // Wrong sizes: IHDR says 40 rows but the data holds 4 (CRC correct, so libpng reads on).
    let short = HandPNG.make(width: 4, height: 40, bitDepth: 8, colorType: 0, rows: (0..<4).map { _ in [1, 2, 3, 4] })
    assertThrowsMessage(try PNGCodec.decode(short), contains: ["corrupt PNG data"])
    // A header claiming 2^31 x 2^31 pixels is refused before any allocation.
    let giant = HandPNG.make(width: 0x7FFF_FFFF, height: 0x7FFF_FFFF, bitDepth: 8, colorType: 0, rows: [[0]])
    XCTAssertThrowsError(try PNGCodec.decode(giant))
    // A damaged CRC.
    var crc = png; crc[29] ^= 0xFF
    assertThrowsMessage(try PNGCodec.decode(crc), contains: ["invalid PNG"])
    // Random bytes after a valid signature, and bit flips of a valid file.
    var rng = RNG(seed: 13)
    for trial in 0..<200 {
      var bytes = Array(png.prefix(8)) + randomBytes(&rng, maxCount: 80)
      if trial % 2 == 1 {
        bytes = png
        for _ in 0..<(1 + rng.int(below: 4)) { bytes[8 + rng.int(below: bytes.count - 8)] ^= UInt8(1 << rng.int(below: 8)) }
      }
      do { _ = try PNGCodec.decode(bytes) } catch {
        XCTAssertTrue("\(error)".contains("<png data>"), "trial \(trial): \(error)")
      }
    }
  }

  // MARK: - npy

  func testNPYMatrix() throws {
    let good = NPY.encode(NPYArray(Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])))
    XCTAssertEqual(try NPY.decode(good, path: "a.npy").shape, [2, 3])
    // Truncated: preamble, header, data.
    assertThrowsMessage(try NPY.decode(Array(good.prefix(5)), path: "a.npy"), contains: ["a.npy", "missing the \\x93NUMPY magic"])
    assertThrowsMessage(try NPY.decode(Array(good.prefix(40)), path: "a.npy"), contains: ["header of 118 bytes runs past the end"])
    assertThrowsMessage(try NPY.decode(Array(good.dropLast(4)), path: "a.npy"), contains: ["20 data bytes, but shape [2, 3] of <f4 needs 24"])
    // Wrong magic.
    var magic = good; magic[0] = 0x92
    assertThrowsMessage(try NPY.decode(magic, path: "a.npy"), contains: ["missing the \\x93NUMPY magic"])
    // Wrong sizes: a shape far beyond the data, and one too large to allocate.
    let big = npyWithShape("(1000000, 1000000)", dataCount: 24)
    assertThrowsMessage(try NPY.decode(big, path: "a.npy"), contains: ["a.npy", "too large"])
    let wrong = npyWithShape("(3, 3)", dataCount: 24)
    assertThrowsMessage(try NPY.decode(wrong, path: "a.npy"), contains: ["24 data bytes, but shape [3, 3] of <f4 needs 36"])
    let negative = npyWithShape("(-1, 6)", dataCount: 24)
    assertThrowsMessage(try NPY.decode(negative, path: "a.npy"), contains: ["shape entry '-1' is not a size"])
    // Random bytes behind a valid magic.
    var rng = RNG(seed: 14)
    for trial in 0..<200 {
      let bytes = Array(good.prefix(8)) + randomBytes(&rng, maxCount: 120)
      assertIOError(try NPY.decode(bytes, path: "r.npy"), path: "r.npy", trial: trial)
    }
  }

  // MARK: - safetensors

  func testSafetensorsMatrix() throws {
    let dir = try makeTempDir(self)
    try Safetensors.write([("w", Tensor(shape: [2, 2], values: [1, 2, 3, 4]))], path: "\(dir)/m.safetensors")
    let good = try FileBytes.read("\(dir)/m.safetensors")
    XCTAssertEqual(try Safetensors.decode(good, path: "m")["w"]?.values, [1, 2, 3, 4])
    // Truncated: the length prefix, the header, the data.
    assertThrowsMessage(try Safetensors.decode(Array(good.prefix(5)), path: "m"), contains: ["m:", "shorter than the 8-byte header length"])
    assertThrowsMessage(try Safetensors.decode(Array(good.prefix(20)), path: "m"), contains: ["header length", "exceeds the file size 20"])
    assertThrowsMessage(try Safetensors.decode(Array(good.dropLast(4)), path: "m"), contains: ["data_offsets [0, 16] lie outside the 12 data bytes"])
    // Wrong magic: the header must be a JSON object.
    var magic = good; magic[8] = UInt8(ascii: "[")
    assertThrowsMessage(try Safetensors.decode(magic, path: "m"), contains: ["the header does not start with '{'"])
    var length = good; for k in 0..<8 { length[k] = 0xFF }
    assertThrowsMessage(try Safetensors.decode(length, path: "m"), contains: ["header length 18446744073709551615 exceeds"])
    // Wrong sizes: a shape that disagrees with the byte range, and a huge shape.
    assertThrowsMessage(try Safetensors.decode(safetensors(shape: "[3, 2]", begin: 0, end: 16, data: 16), path: "m"),
                        contains: ["tensor 'w' has 16 bytes but F32 [3, 2] needs 24"])
    assertThrowsMessage(try Safetensors.decode(safetensors(shape: "[100000, 100000, 100000]", begin: 0, end: 16, data: 16), path: "m"),
                        contains: ["tensor 'w' shape [100000, 100000, 100000] is too large"])
    assertThrowsMessage(try Safetensors.decode(safetensors(shape: "[2]", begin: 8, end: 16, data: 16), path: "m"),
                        contains: ["starts at byte 8, expected 0"])
    // Random bytes, and random bytes inside a plausible header.
    var rng = RNG(seed: 15)
    for trial in 0..<200 {
      var bytes = randomBytes(&rng, maxCount: 100)
      if trial % 2 == 1 {
        bytes = good
        for _ in 0..<(1 + rng.int(below: 3)) { bytes[8 + rng.int(below: bytes.count - 8)] = UInt8(truncatingIfNeeded: rng.next()) }
      }
      do { _ = try Safetensors.decode(bytes, path: "r.st") } catch {
        XCTAssertTrue("\(error)".contains("r.st"), "trial \(trial): \(error)")
      }
    }
  }

  // MARK: - Helpers

  func idxImages(count: Int, rows: Int, cols: Int) -> [UInt8] {
    func be(_ v: Int) -> [UInt8] { [UInt8(v >> 24 & 255), UInt8(v >> 16 & 255), UInt8(v >> 8 & 255), UInt8(v & 255)] }
    return [0, 0, 8, 3] + be(count) + be(rows) + be(cols) + (0..<(count * rows * cols)).map { UInt8($0 % 256) }
  }

  func npyWithShape(_ shape: String, dataCount: Int) -> [UInt8] {
    var header = Array("{'descr': '<f4', 'fortran_order': False, 'shape': \(shape), }".utf8)
    header += [UInt8](repeating: 0x20, count: (64 - (10 + header.count + 1) % 64) % 64) + [0x0A]
    return NPY.magic + [1, 0, UInt8(header.count & 255), UInt8(header.count >> 8)] + header + [UInt8](repeating: 0, count: dataCount)
  }

  func safetensors(shape: String, begin: Int, end: Int, data: Int) -> [UInt8] {
    var header = Array("{\"w\":{\"dtype\":\"F32\",\"shape\":\(shape),\"data_offsets\":[\(begin),\(end)]}}".utf8)
    header += [UInt8](repeating: 0x20, count: (8 - header.count % 8) % 8)
    var out: [UInt8] = []
    out.appendLE(UInt64(header.count))
    return out + header + [UInt8](repeating: 0, count: data)
  }

  func randomBytes(_ rng: inout RNG, maxCount: Int) -> [UInt8] {
    (0..<rng.int(below: maxCount + 1)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
  }

  /// Asserts `body` throws a RuntimeError.io naming `path` (random bytes never parse).
  func assertIOError<T>(_ body: @autoclosure () throws -> T, path: String, trial: Int, line: UInt = #line) {
    XCTAssertThrowsError(try body(), "trial \(trial)", line: line) { e in
      guard case .io(let p, _) = e as? RuntimeError else { return XCTFail("trial \(trial): \(e)", line: line) }
      XCTAssertEqual(p, path, line: line)
    }
  }
}

/// Runs `body` with the tensor memory budget set to `bytes`, restoring it afterwards.
/// Runs `body` with `bytes` of tensor budget free. Tests share one process, so the budget sits on
/// top of what earlier tests still hold (a prefetch thread finishing its last batch, say), after
/// waiting for that to settle: an absolute limit made these tests depend on the order they ran in.
func withMemoryLimit<T>(_ bytes: Int, _ body: () throws -> T) rethrows -> T {
  let saved = MemoryLimit.limit
  var held = MemoryLimit.liveBytes, steady = 0
  for _ in 0..<300 where steady < 10 {
    usleep(10_000)
    let now = MemoryLimit.liveBytes
    steady = now == held ? steady + 1 : 0
    held = now
  }
  MemoryLimit.limit = held + bytes
  defer { MemoryLimit.limit = saved }
  return try body()
}

/// gzip-wrapped deflate of `data` (zlib, as `gzip -6`).
func gzipBytes(_ data: [UInt8]) -> [UInt8] {
  var strm = z_stream()
  deflateInit2_(&strm, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
  defer { deflateEnd(&strm) }
  var out = [UInt8](repeating: 0, count: Int(deflateBound(&strm, UInt(data.count))) + 64)
  var input = data
  let produced: Int = input.withUnsafeMutableBufferPointer { inp in
    out.withUnsafeMutableBufferPointer { o in
      strm.next_in = inp.baseAddress
      strm.avail_in = UInt32(inp.count)
      strm.next_out = o.baseAddress
      strm.avail_out = UInt32(o.count)
      deflate(&strm, Z_FINISH)
      return o.count - Int(strm.avail_out)
    }
  }
  return Array(out.prefix(produced))
}
