import XCTest
@testable import Runtime
import TestSupport

/// safetensors round trips, model weights, malformed files, and (when a Python venv with
/// numpy and safetensors can be made) interoperability with the reference implementation.
final class SafetensorsTests: XCTestCase {
  var dir = ""
  override func setUpWithError() throws {
    dir = NSTemporaryDirectory() + "rslab-st-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
  }
  override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

  func testRoundTripLayoutAndMetadata() throws {
    let a = Tensor(shape: [2, 2], values: [1, 2, 3, 4]), b = Tensor(shape: [3], values: [-1, 0.5, 9])
    let path = dir + "/x.safetensors"
    try Safetensors.write([("a", a), ("b", b)], metadata: ["kind": "test"], path: path)
    let bytes = try FileBytes.read(path)
    let n = Int(bytes.loadLE(UInt64.self, at: 0))
    XCTAssertEqual(n % 8, 0)
    let header = String(decoding: bytes[8..<8 + n], as: UTF8.self)
    XCTAssertTrue(header.contains(#""a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}"#), header)
    XCTAssertEqual(bytes.count, 8 + n + 28)
    let back = try Safetensors.read(path: path)
    XCTAssertEqual(back.tensors.map(\.name), ["a", "b"])
    XCTAssertEqual(back["a"]?.values, a.values)
    XCTAssertEqual(back["b"]?.shape, [3])
    XCTAssertEqual(back.metadata, ["kind": "test"])
    XCTAssertThrowsError(try Safetensors.write([("a", a), ("a", b)], path: path))
  }

  func testModelSaveLoadAndMismatchErrors() throws {
    let m = try Model.convnet(width: 4, classes: 3, seed: 1)
    _ = try m(Tensor(shape: [2, 1, 8, 8], values: (0..<128).map { Float($0) / 64 }))  // move BN stats
    let path = dir + "/m.safetensors"
    try m.save(path: path)
    let other = try Model.convnet(width: 4, classes: 3, seed: 2)
    try other.loadWeights(path: path)
    XCTAssertEqual(other.parameters.map(\.values), m.parameters.map(\.values))
    XCTAssertEqual(other.namedBuffers.map(\.tensor.values), m.namedBuffers.map(\.tensor.values))
    let wider = try Model.convnet(width: 5, classes: 3)
    XCTAssertThrowsError(try wider.loadWeights(path: path)) { e in
      XCTAssertTrue("\(e)".contains("backbone.0.weight is [4, 1, 3, 3] in the file but [5, 1, 3, 3] in the model"), "\(e)")
    }
    try other.addLinearHead(name: "detector", outputs: 1, seed: 3)
    let before = other.parameters[0].values
    XCTAssertThrowsError(try other.loadWeights(path: path)) { e in
      XCTAssertTrue("\(e)".contains("missing heads.detector.weight, heads.detector.bias"), "\(e)")
    }
    XCTAssertEqual(other.parameters[0].values, before, "a failed load changes nothing")
  }

  func testMalformedFiles() throws {
    func expectError(_ bytes: [UInt8], _ fragment: String, line: UInt = #line) {
      XCTAssertThrowsError(try Safetensors.decode(bytes, path: "/w/bad.safetensors"), line: line) { e in
        XCTAssertTrue("\(e)".hasPrefix("/w/bad.safetensors: not a valid safetensors file"), "\(e)", line: line)
        XCTAssertTrue("\(e)".contains(fragment), "\(e)", line: line)
      }
    }
    func file(_ header: String, data: [UInt8]) -> [UInt8] {
      var out: [UInt8] = []
      out.appendLE(UInt64(header.utf8.count))
      return out + Array(header.utf8) + data
    }
    expectError([1, 2, 3], "shorter")
    expectError([255, 255, 0, 0, 0, 0, 0, 0, 0x7B], "exceeds the file size")
    expectError(file("[1]", data: []), "start with '{'")
    expectError(file("{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]", data: [UInt8](repeating: 0, count: 8)), "header JSON")
    expectError(file(#"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, data: [UInt8](repeating: 0, count: 8)), "needs 12")
    expectError(file(#"{"a":{"dtype":"C64","shape":[1],"data_offsets":[0,8]}}"#, data: [UInt8](repeating: 0, count: 8)), "unsupported dtype C64")
    expectError(file(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, data: [UInt8](repeating: 0, count: 8)), "gap or overlap")
    expectError(file(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, data: [UInt8](repeating: 0, count: 8)), "not covered")
    expectError(file(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,40]}}"#, data: [UInt8](repeating: 0, count: 8)), "outside")
    // Other dtypes convert to Float32.
    let ok = try Safetensors.decode(file(#"{"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"b":{"dtype":"BF16","shape":[1],"data_offsets":[4,6]}}"#,
                                         data: [0x00, 0x3C, 0x00, 0xC0, 0x80, 0x3F]), path: "x")
    XCTAssertEqual(ok["h"]?.values, [1, -2])
    XCTAssertEqual(ok["b"]?.values, [1])
  }

  /// rslab's files read by numpy/safetensors and theirs read by rslab. Skips (with the
  /// reason) when python3 -m venv or pip cannot provide the packages.
  func testInteroperatesWithPythonReferenceImplementations() throws {
    let venv = "/tmp/venv-rslab-io"
    let python = venv + "/bin/python"
    if !FileManager.default.fileExists(atPath: python) || !run(python, ["-c", "import numpy, safetensors"]).ok {
      let made = run("/usr/bin/python3", ["-m", "venv", venv])
      guard made.ok else { throw XCTSkip("python3 -m venv failed: \(made.output.suffix(200))") }
      let pip = run(venv + "/bin/pip", ["install", "--quiet", "--timeout", "20", "--retries", "1", "numpy", "safetensors"])
      guard pip.ok else { throw XCTSkip("pip install numpy safetensors failed: \(pip.output.suffix(200))") }
    }
    let t = Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, -6.5])
    try NPY.save(t, path: dir + "/ours.npy")
    try Safetensors.write([("w", t), ("b", Tensor(shape: [2], values: [7, 8]))], metadata: ["k": "v"], path: dir + "/ours.safetensors")
    let script = """
    import numpy as np, json
    from safetensors.numpy import load_file, save_file
    from safetensors import safe_open
    a = np.load('\(dir)/ours.npy'); assert a.dtype == np.float32 and a.shape == (2, 3), a
    assert a.tolist() == [[1, 2, 3], [4, 5, -6.5]], a
    s = load_file('\(dir)/ours.safetensors'); assert s['w'].tolist() == a.tolist() and s['b'].tolist() == [7, 8]
    with safe_open('\(dir)/ours.safetensors', 'np') as f: assert f.metadata() == {'k': 'v'}
    np.save('\(dir)/theirs.npy', np.arange(6, dtype=np.float64).reshape(3, 2))
    np.save('\(dir)/labels.npy', np.array([3, 1, 4], dtype=np.int64))
    save_file({'x': np.array([[1.5, -2]], dtype=np.float32), 'y': np.ones(3, dtype=np.float32)}, '\(dir)/theirs.safetensors', metadata={'m': '1'})
    print('ok')
    """
    let r = run(python, ["-c", script])
    XCTAssertTrue(r.ok && r.output.contains("ok"), r.output)
    XCTAssertEqual(try NPY.load(path: dir + "/theirs.npy").values, [0, 1, 2, 3, 4, 5])
    XCTAssertEqual(try NPY.load(path: dir + "/theirs.npy").shape, [3, 2])
    XCTAssertEqual(try NPY.read(path: dir + "/labels.npy").integers(), [3, 1, 4])
    let s = try Safetensors.read(path: dir + "/theirs.safetensors")
    XCTAssertEqual(s["x"]?.values, [1.5, -2])
    XCTAssertEqual(s["y"]?.shape, [3])
    XCTAssertEqual(s.metadata, ["m": "1"])
  }

  func run(_ exe: String, _ args: [String]) -> (ok: Bool, output: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: exe)
    p.arguments = args
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = pipe
    do { try p.run() } catch { return (false, "\(error)") }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus == 0, String(decoding: data, as: UTF8.self))
  }
}
