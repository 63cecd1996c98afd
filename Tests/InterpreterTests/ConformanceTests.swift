import Interpreter
import Foundation
import XCTest

/// Runs every Tests/Conformance/**/*.rsl script and checks its inline
/// `# expect:`, `# match:`, `# error:` and `# trace:` lines.
final class ConformanceTests: XCTestCase {
  func testConformanceScripts() throws {
    let scripts = try ConformanceScript.all()
    if ProcessInfo.processInfo.environment["RSL_CONFORMANCE_ONLY"] == nil {
      XCTAssertGreaterThan(scripts.count, 60, "conformance scripts not found in \(ConformanceScript.directory.path)")
    }
    // Each script runs in a fresh working directory, so relative paths it writes or reads
    // (the file builtins' examples) stay out of the repository and cannot leak between scripts.
    let files = FileManager.default
    let home = files.currentDirectoryPath
    defer { files.changeCurrentDirectoryPath(home) }
    for script in scripts {
      let scratch = files.temporaryDirectory.appendingPathComponent("rslab-conformance-\(UUID().uuidString)")
      try files.createDirectory(at: scratch, withIntermediateDirectories: true)
      defer { try? files.removeItem(at: scratch) }
      XCTAssertTrue(files.changeCurrentDirectoryPath(scratch.path))
      let out = ConformanceScript.Box()
      let session = Session(output: { out.text += $0 })
      for chunk in script.chunks {
        let (lines, diagnostic) = ConformanceScript.run(chunk, in: session, file: script.name, output: out)
        let place = "\(script.name) chunk at line \(chunk.firstLine)"
        if ProcessInfo.processInfo.environment["RSL_CONFORMANCE_DUMP"] != nil {
          print("== \(place)\n" + lines.joined(separator: "\n") + "\n" + (diagnostic?.rendered ?? ""))
        }
        if chunk.isPattern.contains(true) {
          XCTAssertTrue(ConformanceScript.matches(lines, chunk), "output of \(place): \(lines) does not match \(chunk.expected)")
        } else {
          XCTAssertEqual(lines, chunk.expected, "output of \(place)")
        }
        XCTAssertEqual(diagnostic?.header, chunk.error, "error of \(place): \(diagnostic?.rendered ?? "none")")
        if !chunk.trace.isEmpty {
          XCTAssertEqual(diagnostic?.traceback ?? [], chunk.trace, "traceback of \(place)")
        }
      }
      files.changeCurrentDirectoryPath(home)
    }
  }
}
