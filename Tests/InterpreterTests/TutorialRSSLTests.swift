import Foundation
import XCTest
@testable import Interpreter

/// Runs the RS-SSL tutorials (04, 05, 06) as written with a tiny budget (`RSLAB_STEPS=2`)
/// so that CI notices when a builtin they use changes; the default budget is for people.
final class TutorialRSSLTests: XCTestCase {
  /// Runs a tutorial cell by cell, as the notebook runner does; returns its output (printed
  /// text and echoes) and images.
  private func runTutorial(_ name: String) throws -> (out: String, images: [String]) {
    let source = try repositoryText("tutorials/" + name)
    let dir = NSTemporaryDirectory() + "rslab-\(name)-\(getpid())"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    setenv("RSLAB_FIGURES", dir, 1)
    setenv("RSLAB_STEPS", "2", 1)
    defer {
      unsetenv("RSLAB_FIGURES"); unsetenv("RSLAB_STEPS")
      try? FileManager.default.removeItem(atPath: dir)
    }
    var out = ""
    var images: [String] = []
    let s = Session(output: { out += $0 }, imageSink: { images.append($0) })
    for (i, cell) in source.components(separatedBy: "\n# %%").enumerated() {
      // Echoed values (tables, records) are returned, not written to the output.
      if let e = try s.run(i == 0 ? cell : "# %%" + cell, file: name).echo { out += e + "\n" }
    }
    for p in images { XCTAssertTrue(FileManager.default.fileExists(atPath: p), p) }
    return (out, images)
  }

  func testTutorial04ReportsPseudoLabelsSplitByProvenance() throws {
    let (out, images) = try runTutorial("04-rs-ssl.rsl")
    XCTAssertTrue(out.contains("SSL steps 2, generator steps 4"), out)
    XCTAssertTrue(out.contains("2000 images 1x28x28, 10 classes, 1000 synthetic"), out)
    XCTAssertTrue(out.contains("synthetic fraction 50.0%"), out)
    XCTAssertTrue(out.contains("mask rate  real"), out)
    XCTAssertTrue(out.contains("PL accuracy real"), out)
    XCTAssertTrue(out.contains("class faithfulness: cvae "), out)
    XCTAssertTrue(out.contains("cvae/generated + gan/generated, 0.5): 2000 images 1x28x28, 10 classes, 1000 synthetic) [\"fashion-mnist\", \"cvae\", \"gan\"]"), out)
    XCTAssertEqual(images.count, 6, "real grid, cvae grid, gan grid, mix, two mask-rate plots")
  }

  func testTutorial05InspectsTheDetector() throws {
    let (out, images) = try runTutorial("05-rsmatch.rsl")
    XCTAssertTrue(out.contains("{precision: ") && out.contains(", auc: "), out)
    XCTAssertTrue(out.contains("routed synthetic: real"), out)
    XCTAssertTrue(out.contains("\nfixmatch ") && out.contains("\nrsmatch "), out)
    // The multi-generator cell: per-generator detector metrics for the three detectors.
    for name in ["rsmatch ", "openmatch ", "iomatch "] {
      XCTAssertTrue(out.contains("\n" + name) && out.contains("detector AUC"), out)
    }
    XCTAssertTrue(out.contains(" cvae 0.") || out.contains(" cvae 1.0"), out)
    XCTAssertTrue(out.contains(" gan 0.") || out.contains(" gan 1.0"), out)
    XCTAssertEqual(images.count, 3, "det_auc plot, feature scatter, accuracy curves")
  }

  func testTutorial06ComparesTheCustomVariant() throws {
    let (out, images) = try runTutorial("06-variant.rsl")
    XCTAssertTrue(out.contains("\nnorm-weighted ") && out.contains("\nrsmatch "), out)
    XCTAssertTrue(out.contains("mean weight: real"), out)
    XCTAssertEqual(images.count, 2, "accuracy curves, norm histogram")
  }
}
