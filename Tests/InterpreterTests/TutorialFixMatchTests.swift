import Foundation
import XCTest
@testable import Interpreter

/// Runs tutorials/03-fixmatch.rsl as written with a tiny step budget (RSLAB_STEPS=2) and
/// checks what it shows: both runs, their comparison, the pictures, and the custom-loss
/// FixMatch matching the builtin.
final class TutorialFixMatchTests: XCTestCase {
  func testTutorial03RunsWithAQuickBudget() throws {
    let source = try repositoryText("tutorials/03-fixmatch.rsl")
    let dir = NSTemporaryDirectory() + "rslab-tutorial03-\(getpid())"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    setenv("RSLAB_FIGURES", dir, 1)
    setenv("RSLAB_STEPS", "2", 1)
    defer {
      unsetenv("RSLAB_FIGURES")
      unsetenv("RSLAB_STEPS")
      try? FileManager.default.removeItem(atPath: dir)
    }
    var out = ""
    var echoes: [String] = []
    var images: [String] = []
    let s = Session(output: { out += $0 }, imageSink: { images.append($0) })
    for (i, cell) in source.components(separatedBy: "\n# %%").enumerated() {
      if let e = try s.run(i == 0 ? cell : "# %%" + cell, file: "03-fixmatch.rsl").echo { echoes.append(e) }
    }
    XCTAssertTrue(out.contains("budget: 2 steps, evaluating every 1"), out)
    XCTAssertTrue(out.contains("dataset(fashion-mnist/train/labeled: 400 images 1x28x28, 10 classes, 0 synthetic)"), out)
    XCTAssertTrue(out.contains("same losses: true\nsame mask rates: true\nsame test accuracy: true\n"), out)
    XCTAssertTrue(out.contains("supervised ") && out.contains("   fixmatch "), out)
    let table = echoes.first { $0.hasPrefix("run ") } ?? ""
    XCTAssertTrue(table.contains("\nsupervised ") && table.contains("\nfixmatch "), table)
    // test_acc curves, mask rate, confusion matrix.
    XCTAssertEqual(images.count, 3, "\(images)")
    for p in images { XCTAssertTrue(FileManager.default.fileExists(atPath: p), p) }
  }
}
