import XCTest
@testable import Runtime

/// Every large allocation path checks the memory budget first, so a request beyond it is a
/// RuntimeError.resourceLimit naming the operation, never an out-of-memory kill.
final class MemoryLimitTests: XCTestCase {
  func assertLimit<T>(_ body: @autoclosure () throws -> T, op: String, line: UInt = #line) {
    XCTAssertThrowsError(try body(), line: line) { e in
      guard case .resourceLimit(let m) = e as? RuntimeError else { return XCTFail("\(e)", line: line) }
      XCTAssertTrue(m.contains(op) && m.contains("would exceed the memory limit"), m, line: line)
    }
  }

  func testTensorCreationAndOpsCheckTheBudget() throws {
    try withMemoryLimit(1 << 20) {
      assertLimit(try Tensor.zeros([1024, 1024]), op: "zeros")
      let a = try Tensor.zeros([400, 400])
      assertLimit(try Tensor.concat([a, a, a], axis: 0), op: "concat")
      assertLimit(try a.matmul(a), op: "matmul")
    }
    // Shapes whose element count overflows Int are refused before any arithmetic wraps.
    XCTAssertThrowsError(try Tensor.zeros([1 << 32, 1 << 32])) { e in
      guard case .resourceLimit(let m) = e as? RuntimeError else { return XCTFail("\(e)") }
      XCTAssertTrue(m.contains("is too large"), m)
    }
  }

  func testDatasetPathsCheckTheBudget() throws {
    let d = try randomDataset(perClass: 10, classes: 10, c: 3, h: 32, w: 32)   // 300 KiB of pixels
    try withMemoryLimit(1 << 20) {
      assertLimit(try d.subset([Int](repeating: 0, count: 2000)), op: "subset")
      assertLimit(try Dataset.concat([d, d, d, d]), op: "concat")
      assertLimit(try d.imagesTensor(), op: "images")
    }
  }

  func testHugeFilesAreRefusedBeforeReading() throws {
    let dir = try makeTempDir(self), path = "\(dir)/huge.bin"
    // A sparse 64 GiB file: reading it whole would need 64 GiB of memory.
    let fd = open(path, O_CREAT | O_WRONLY, 0o644)
    XCTAssertGreaterThanOrEqual(fd, 0)
    XCTAssertEqual(ftruncate(fd, 64 << 30), 0)
    close(fd)
    assertLimit(try FileBytes.read(path), op: "reading \(path)")
    assertLimit(try NPY.read(path: path), op: "reading \(path)")
    assertLimit(try Safetensors.read(path: path), op: "reading \(path)")
    assertLimit(try PNGCodec.read(path: path), op: "reading \(path)")
  }

  func testLimitComesFromTheEnvironmentSyntax() {
    XCTAssertEqual(MemoryLimit.parseBytes("512M"), 512 << 20)
    XCTAssertEqual(MemoryLimit.parseBytes("1.5G"), 3 << 29)
    XCTAssertEqual(MemoryLimit.parseBytes("4096"), 4096)
    XCTAssertNil(MemoryLimit.parseBytes("lots"))
    XCTAssertNil(MemoryLimit.parseBytes("-1G"))
  }
}
