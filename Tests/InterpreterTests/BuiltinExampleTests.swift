import Foundation
import XCTest

@testable import Interpreter

/// Every builtin's registry example (the one `help(name)` and docs/builtins.md show) has its
/// output checked, not only run: `Tests/Conformance/examples/<category>.rsl` holds each
/// example verbatim in a chunk headed `# example: name`, followed by its `# expect:` /
/// `# match:` lines, and, when the example only assigns, lines that print what it made.
/// The conformance run checks the output; this test checks that every builtin has such a
/// chunk and that the chunk still starts with the registry's current example text.
final class BuiltinExampleTests: XCTestCase {
  /// Builtins whose example cannot run with a checked output here, and why.
  static let exempt: [String: String] = [
    "cifar10": "reads the CIFAR-10 binary batches, which are not installed for tests",
    "cifar100": "reads the CIFAR-100 binary files, which are not installed for tests",
    "env": "shows the machine's $HOME",
    "sweep_results": "reads a finished sweep's output folder; SweepTests checks it on a real sweep",
  ]

  /// `name` -> the code lines of its example chunk (comments and blank lines dropped),
  /// and whether the chunk checks any output.
  func exampleChunks() throws -> [String: (code: [String], checked: Bool, place: String)] {
    var found: [String: (code: [String], checked: Bool, place: String)] = [:]
    for script in try ConformanceScript.all() where script.name.hasPrefix("examples/") {
      for chunk in script.chunks {
        let lines = chunk.source.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let header = lines.first(where: { $0.hasPrefix("# example: ") }) else { continue }
        let name = String(header.dropFirst("# example: ".count)).trimmingCharacters(in: .whitespaces)
        let place = "\(script.name):\(chunk.firstLine)"
        XCTAssertNil(found[name], "\(name) has two example chunks (\(found[name]?.place ?? "") and \(place))")
        let code = lines.filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("#") && !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        found[name] = (code, !chunk.expected.isEmpty || chunk.error != nil, place)
      }
    }
    return found
  }

  func testEveryExampleOutputIsChecked() throws {
    let registry = BuiltinRegistry.standard
    let chunks = try exampleChunks()
    XCTAssertFalse(chunks.isEmpty, "no example chunks under \(ConformanceScript.directory.path)/examples")
    for b in registry.all {
      if let reason = Self.exempt[b.name] {
        XCTAssertNil(chunks[b.name], "\(b.name) is exempt (\(reason)) but has an example chunk; drop the exemption")
        continue
      }
      guard let chunk = chunks[b.name] else {
        XCTFail("\(b.name): no '# example: \(b.name)' chunk in Tests/Conformance/examples/\(b.category).rsl")
        continue
      }
      let example = b.example.split(separator: "\n").map(String.init)
      XCTAssertEqual(Array(chunk.code.prefix(example.count)), example,
                     "\(b.name): the chunk at \(chunk.place) does not start with the registry's example")
      XCTAssertTrue(chunk.checked, "\(b.name): the chunk at \(chunk.place) checks no output")
    }
    for name in chunks.keys where registry[name] == nil {
      XCTFail("example chunk for '\(name)', which is not a builtin")
    }
  }
}
