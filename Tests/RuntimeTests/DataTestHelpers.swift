import XCTest
@testable import Runtime
#if canImport(Glibc)
import Glibc
#endif

/// A fresh temporary folder, removed (with its files) when the test ends.
func makeTempDir(_ test: XCTestCase) throws -> String {
  var template = Array("/tmp/rslab-data-test-XXXXXX".utf8CString)
  guard let p = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
    throw RuntimeError.io(path: "/tmp", message: "mkdtemp failed")
  }
  let dir = String(cString: p)
  test.addTeardownBlock { removeTree(dir) }
  return dir
}

func removeTree(_ path: String) {
  if FileBytes.isDirectory(path) {
    for e in (try? FileBytes.list(path)) ?? [] { removeTree("\(path)/\(e)") }
    rmdir(path)
  } else {
    unlink(path)
  }
}

/// A small random dataset: `perClass` images per class of `classes` classes, c x h x w.
func randomDataset(perClass: Int, classes: Int = 10, c: Int = 1, h: Int = 8, w: Int = 8, seed: UInt64 = 7, name: String = "toy", origin: String = "toy") throws -> Dataset {
  var rng = RNG(seed: seed)
  let n = perClass * classes
  let px = (0..<(n * c * h * w)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
  var labels = (0..<n).map { $0 % classes }
  rng.shuffle(&labels)
  return try Dataset(
    name: name, pixels: px, labels: labels, classNames: (0..<classes).map { "class\($0)" },
    channels: c, height: h, width: w, originNames: [origin])
}

/// Asserts that `body` throws an error whose description contains every fragment.
func assertThrowsMessage<T>(_ body: @autoclosure () throws -> T, contains fragments: [String], file: StaticString = #filePath, line: UInt = #line) {
  XCTAssertThrowsError(try body(), file: file, line: line) { e in
    let msg = "\(e)"
    for f in fragments {
      XCTAssertTrue(msg.contains(f), "message \"\(msg)\" lacks \"\(f)\"", file: file, line: line)
    }
  }
}
