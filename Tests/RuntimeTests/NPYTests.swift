import XCTest
@testable import Runtime
import TestSupport

/// .npy round trips, hand-built files of each dtype, and malformed-file errors.
final class NPYTests: XCTestCase {
  var dir = ""
  override func setUpWithError() throws {
    dir = NSTemporaryDirectory() + "rslab-npy-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
  }
  override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

  func testTensorRoundTripAndHeaderLayout() throws {
    let t = Tensor(shape: [2, 3], values: [1, -2, 3.5, 0, 1e-8, 7])
    let path = dir + "/t.npy"
    try NPY.save(t, path: path)
    let bytes = try FileBytes.read(path)
    XCTAssertEqual(Array(bytes[0..<8]), [0x93] + Array("NUMPY".utf8) + [1, 0])
    let headerLen = Int(bytes[8]) | Int(bytes[9]) << 8
    XCTAssertEqual((10 + headerLen) % 64, 0, "numpy aligns data to 64 bytes")
    let header = String(decoding: bytes[10..<10 + headerLen], as: UTF8.self)
    XCTAssertTrue(header.hasPrefix("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"), header)
    let back = try NPY.load(path: path)
    XCTAssertEqual(back.shape, [2, 3])
    XCTAssertEqual(back.values, t.values)
    // Scalars and 1-D shapes use Python tuple syntax.
    XCTAssertTrue(String(decoding: NPY.encode(NPYArray(Tensor(shape: [4], values: [1, 2, 3, 4]))), as: UTF8.self).contains("'shape': (4,)"))
    XCTAssertEqual(try NPY.decode(NPY.encode(NPYArray(Tensor(scalar: 5))), path: "x").shape, [])
  }

  func testOtherDTypes() throws {
    var i64: [UInt8] = []
    for v: Int64 in [3, -1, 1 << 40] { i64.appendLE(UInt64(bitPattern: v)) }
    let a = try NPYArray(dtype: .int64, shape: [3], data: i64)
    let back = try NPY.decode(NPY.encode(a), path: "labels.npy")
    XCTAssertEqual(try back.integers(), [3, -1, 1 << 40])
    let u8 = try NPYArray(dtype: .uint8, shape: [2, 2], data: [0, 255, 7, 9])
    XCTAssertEqual(try NPY.decode(NPY.encode(u8), path: "x").floats, [0, 255, 7, 9])
    var f64: [UInt8] = []
    for v in [0.5, -2.25] { f64.appendLE(v.bitPattern) }
    XCTAssertEqual(try NPY.decode(NPY.encode(try NPYArray(dtype: .float64, shape: [2], data: f64)), path: "x").floats, [0.5, -2.25])
    XCTAssertThrowsError(try NPYArray(dtype: .float32, shape: [3], data: [0, 0, 0, 0]))
    XCTAssertThrowsError(try NPYArray(Tensor(shape: [1], values: [0.5])).integers())
  }

  func file(_ header: String, data: [UInt8], version: UInt8 = 1) -> [UInt8] {
    var h = Array(header.utf8)
    h += [UInt8](repeating: 0x20, count: (64 - (10 + h.count + 1) % 64) % 64) + [0x0A]
    var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [version, 0]
    if version == 1 { out.appendLE(UInt16(h.count)) } else { out.appendLE(UInt32(h.count)) }
    return out + h + data
  }

  func testVersion2AndMalformedFiles() throws {
    let v2 = file("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", data: [0, 0, 0x80, 0x3F], version: 2)
    XCTAssertEqual(try NPY.decode(v2, path: "v2.npy").floats, [1])
    func expectError(_ bytes: [UInt8], _ fragment: String, line: UInt = #line) {
      XCTAssertThrowsError(try NPY.decode(bytes, path: "/data/bad.npy"), line: line) { e in
        XCTAssertTrue("\(e)".hasPrefix("/data/bad.npy: not a valid .npy file"), "\(e)", line: line)
        XCTAssertTrue("\(e)".contains(fragment), "\(e)", line: line)
      }
    }
    expectError(Array("hello world".utf8), "magic")
    expectError(file("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", data: [UInt8](repeating: 0, count: 16)), "Fortran")
    expectError(file("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", data: [0, 0, 0, 0]), "big-endian")
    expectError(file("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", data: [UInt8](repeating: 0, count: 8)), "dtype '<c8'")
    expectError(file("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", data: [0, 0, 0, 0]), "needs 12")
    expectError(file("{'descr': '<f4', 'fortran_order': False, }", data: []), "no 'shape'")
    expectError(Array(file("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", data: [0, 0, 0, 0]).prefix(20)), "runs past")
    XCTAssertThrowsError(try NPY.load(path: dir + "/missing.npy")) { e in XCTAssertTrue("\(e)".contains("No such file"), "\(e)") }
  }
}
