import Interpreter
import Foundation
import XCTest

/// Runs every Tests/Conformance/*.rsl script and checks its inline
/// `# expect:`, `# error:` and `# trace:` lines exactly.
final class ConformanceTests: XCTestCase {
  func testConformanceScripts() throws {
    let scripts = try ConformanceScript.all()
    XCTAssertGreaterThan(scripts.count, 5, "conformance scripts not found in \(ConformanceScript.directory.path)")
    for script in scripts {
      let out = ConformanceScript.Box()
      let session = Session(output: { out.text += $0 })
      for chunk in script.chunks {
        let (lines, diagnostic) = ConformanceScript.run(chunk, in: session, file: script.name, output: out)
        let place = "\(script.name) chunk at line \(chunk.firstLine)"
        if ProcessInfo.processInfo.environment["RSL_CONFORMANCE_DUMP"] != nil {
          print("== \(place)\n" + lines.joined(separator: "\n") + "\n" + (diagnostic?.rendered ?? ""))
        }
        XCTAssertEqual(lines, chunk.expected, "output of \(place)")
        XCTAssertEqual(diagnostic?.header, chunk.error, "error of \(place): \(diagnostic?.rendered ?? "none")")
        if !chunk.trace.isEmpty {
          XCTAssertEqual(diagnostic?.traceback ?? [], chunk.trace, "traceback of \(place)")
        }
      }
    }
  }
}
