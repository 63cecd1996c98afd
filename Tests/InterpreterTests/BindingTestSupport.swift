import Foundation
import XCTest
@testable import Interpreter
@testable import Runtime

/// A learnable toy problem for the model/SSL/plot builtin tests: 8x8 grey images of
/// `classes` classes, class k bright in horizontal band k (plus noise); `synthetic` marks
/// every third sample synthetic.
func toyDataset(count: Int, classes: Int = 2, seed: UInt64 = 1, synthetic: Bool = false, name: String = "toy") throws -> Dataset {
  var rng = RNG(seed: seed)
  let h = 8, w = 8
  var px = [UInt8](repeating: 0, count: count * h * w)
  var labels: [Int] = []
  for i in 0..<count {
    let k = i % classes
    labels.append(k)
    let band = h / classes
    for y in 0..<h {
      for x in 0..<w {
        let on = y / band == k
        let v = (on ? 170.0 : 40.0) + Double(rng.normal()) * 25
        px[(i * h + y) * w + x] = UInt8(max(0, min(255, v)))
      }
    }
  }
  return try Dataset(name: name, pixels: px, labels: labels, classNames: (0..<classes).map { "c\($0)" },
                     channels: 1, height: h, width: w,
                     synthetic: synthetic ? (0..<count).map { $0 % 3 == 0 } : nil, originNames: [name])
}

/// A session with `labeled`, `unlabeled` (a third synthetic) and `test` toy datasets defined.
func toySession(_ out: ConformanceScript.Box, images: ConformanceScript.Box? = nil) throws -> Session {
  let s = Session(output: { out.text += $0 }, imageSink: { images?.text += $0 + "\n" })
  s.define("labeled", .object(DatasetObject(try toyDataset(count: 16, seed: 1, name: "labeled"))))
  s.define("unlabeled", .object(DatasetObject(try toyDataset(count: 96, seed: 2, synthetic: true, name: "unlabeled"))))
  s.define("test", .object(DatasetObject(try toyDataset(count: 40, seed: 3, name: "test"))))
  return s
}

/// Runs `source` and returns the echo, failing the test with the rendered diagnostic.
@discardableResult
func rsl(_ s: Session, _ source: String, file: StaticString = #filePath, line: UInt = #line) -> String? {
  do {
    return try s.run(source, file: "test.rsl").echo
  } catch {
    XCTFail(error.rendered, file: file, line: line)
    return nil
  }
}

/// Presses Ctrl-C on `s` from another thread after `seconds`, as the REPL's signal handler would.
func interrupt(_ s: Session, after seconds: Double) {
  let token = s.cancellation
  Thread {
    Thread.sleep(forTimeInterval: seconds)
    token.request()
  }.start()
}

/// The rendered message of the error `source` raises (nil, and a failure, if none).
func errorMessage(_ s: Session, _ source: String, file: StaticString = #filePath, line: UInt = #line) -> String? {
  do {
    _ = try s.run(source, file: "test.rsl")
    XCTFail("no error from: \(source)", file: file, line: line)
    return nil
  } catch {
    return error.message
  }
}

/// A per-process folder for the binding tests' files, removed when the test process exits.
let bindingTestFolder: String = {
  let dir = NSTemporaryDirectory() + "rslab-bind-\(getpid())"
  try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
  atexit { try? FileManager.default.removeItem(atPath: bindingTestFolder) }
  return dir
}()

func tempPath(_ name: String) -> String {
  bindingTestFolder + "/" + name
}

/// The text of a file of the repository (`tutorials/03-fixmatch.rsl`, `scripts/...`), found
/// from this test file's location, so tests run scripts exactly as users do.
func repositoryText(_ relativePath: String) throws -> String {
  try String(contentsOfFile: repositoryPath(relativePath), encoding: .utf8)
}

/// The absolute path of a file or folder of the repository, found from this test file's location.
func repositoryPath(_ relativePath: String) -> String {
  URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent(relativePath).path
}
