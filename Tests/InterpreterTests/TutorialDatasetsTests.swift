import Foundation
import XCTest
@testable import Interpreter

/// Runs tutorials/02-datasets.rsl as written and checks the facts it teaches.
final class TutorialDatasetsTests: XCTestCase {
  func testTutorial02RunsAsWritten() throws {
    let source = try repositoryText("tutorials/02-datasets.rsl")
    let dir = NSTemporaryDirectory() + "rslab-tutorial02-\(getpid())"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    setenv("RSLAB_FIGURES", dir, 1)
    defer { unsetenv("RSLAB_FIGURES"); try? FileManager.default.removeItem(atPath: dir) }
    var out = ""
    var images: [String] = []
    let s = Session(output: { out += $0 }, imageSink: { images.append($0) })
    // Cell by cell, as the notebook runner does, so each cell's final `show` is displayed.
    for (i, cell) in source.components(separatedBy: "\n# %%").enumerated() {
      _ = try s.run(i == 0 ? cell : "# %%" + cell, file: "02-datasets.rsl")
    }
    XCTAssertTrue(out.contains("[6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000]"), out)
    XCTAssertTrue(out.contains("[40, 40, 40, 40, 40, 40, 40, 40, 40, 40]"), out)
    XCTAssertTrue(out.contains("8000 images 1x28x28, 10 classes, 2400 synthetic"), out)
    XCTAssertTrue(out.contains("synthetic fraction 30.0%"), out)
    XCTAssertEqual(images.count, 3)
    for p in images { XCTAssertTrue(FileManager.default.fileExists(atPath: p), p) }
  }
}
