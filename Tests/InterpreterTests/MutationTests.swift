import Foundation
import Interpreter
import Runtime
import XCTest

/// Feeds thousands of randomly damaged conformance scripts to the interpreter: each run
/// must end with a result or a Diagnostic, never a trap. Deterministic (seeded); a failing
/// case is reproducible from the reported seed and mutation index.
final class MutationTests: XCTestCase {
  /// Pieces inserted by the mutator: brackets, operators, keywords, digits, quotes.
  static let fragments = [
    "(", ")", "[", "]", "{", "}", "\"", "f\"{", "}", ",", ":", ";", "\n", ".", "..", "=", "+", "-", "*", "/", "%",
    "@", "**", "|>", "<", "==", "not ", " and ", "#", "\\", "end", "fn ", "if ", "else", "elif ", "for ", " in ",
    "while ", "return ", "break", "continue", "try", "catch", "nil", "true", "0", "1", "-1", "999", "1e308",
    "0.5", "x", "t", "f(", "[:", "::-1]", "{a: ", "$", "é",
  ]

  func mutate(_ text: String, rng: inout RNG) -> String {
    var cs = Array(text)
    let edits = 1 + rng.int(below: 4)
    for _ in 0..<edits {
      guard !cs.isEmpty else { break }
      let i = rng.int(below: cs.count)
      switch rng.int(below: 6) {
      case 0: cs.remove(at: i)
      case 1:
        let n = min(cs.count - i, 1 + rng.int(below: 12))
        cs.removeSubrange(i..<(i + n))
      case 2: cs.insert(contentsOf: Array(MutationTests.fragments[rng.int(below: MutationTests.fragments.count)]), at: i)
      case 3:
        if i + 1 < cs.count { cs.swapAt(i, i + 1) }
      case 4:
        // Duplicate a span somewhere else (repeats statements, nests blocks).
        let n = min(cs.count - i, 1 + rng.int(below: 40))
        let piece = Array(cs[i..<(i + n)])
        cs.insert(contentsOf: piece, at: rng.int(below: cs.count))
      default:
        // Swap two whole lines.
        var lines = String(cs).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.count > 1 {
          lines.swapAt(rng.int(below: lines.count), rng.int(below: lines.count))
          cs = Array(lines.joined(separator: "\n"))
        }
      }
    }
    return String(cs)
  }

  func testDamagedScriptsNeverTrap() throws {
    // The language scripts; the builtin-example scripts (examples/) train, plot and write
    // files, which damaged copies would do under random names.
    let scripts = try ConformanceScript.all().filter { !$0.name.hasPrefix("examples/") }
    XCTAssertFalse(scripts.isEmpty)
    // Damaged scripts may still write files (errors/file_errors.rsl writes one): keep them
    // out of the repository.
    let files = FileManager.default
    let home = files.currentDirectoryPath
    let scratch = files.temporaryDirectory.appendingPathComponent("rslab-mutation-\(UUID().uuidString)")
    try files.createDirectory(at: scratch, withIntermediateDirectories: true)
    XCTAssertTrue(files.changeCurrentDirectoryPath(scratch.path))
    defer {
      files.changeCurrentDirectoryPath(home)
      try? files.removeItem(at: scratch)
    }
    let savedLimit = MemoryLimit.limit
    MemoryLimit.limit = min(savedLimit, 256 << 20)
    defer { MemoryLimit.limit = savedLimit }
    // Scripts that load real datasets are slow to rerun; they get a few mutations each and
    // the pure-language scripts share the rest.
    func loadsData(_ s: ConformanceScript) -> Bool { s.chunks.contains { $0.source.contains("fashion_mnist(") } }
    let dataRuns = 20
    let languageScripts = scripts.filter { !loadsData($0) }.count
    let perScript = (3000 - dataRuns * (scripts.count - languageScripts)) / max(languageScripts, 1) + 1
    var ran = 0, failed = 0
    for (k, script) in scripts.enumerated() {
      let text = script.chunks.map(\.source).joined(separator: "\n")
        .split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.isEmpty }.joined(separator: "\n")
      var rng = RNG(seed: UInt64(1000 + k))
      for m in 0..<(loadsData(script) ? dataRuns : perScript) {
        let damaged = mutate(text, rng: &rng)
        var limits = Limits()
        limits.maxSteps = 5_000
        limits.maxCallDepth = 100
        limits.maxCollection = 100_000
        let session = Session(output: { _ in })
        session.limits = limits
        do {
          _ = try session.run(damaged, file: "m.rsl")
        } catch {
          failed += 1
          // Every diagnostic names a real place and renders.
          XCTAssertGreaterThanOrEqual(error.line, 1, "\(script.name) mutation \(m)")
          XCTAssertGreaterThanOrEqual(error.column, 1, "\(script.name) mutation \(m)")
          XCTAssertTrue(error.rendered.hasPrefix("m.rsl:"), "\(script.name) mutation \(m)")
        }
        ran += 1
      }
    }
    XCTAssertGreaterThanOrEqual(ran, 3000)
    XCTAssertGreaterThan(failed, ran / 4, "mutations should mostly break the scripts")
  }

  /// Pathological inputs that stress the parser and evaluator limits.
  func testPathologicalInputs() {
    let s = Session(output: { _ in })
    let cases = [
      String(repeating: "(", count: 5000), String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000),
      String(repeating: "-", count: 5000) + "1", String(repeating: "not ", count: 3000) + "true",
      String(repeating: "if true ", count: 2000), String(repeating: "fn(x) ", count: 2000),
      "x = " + String(repeating: "1 + ", count: 3000) + "1", String(repeating: "2 ** ", count: 3000) + "2",
      "a = []\nappend(a, a)\nprint(a)\na", "r = {}\nr.me = r\nr", "\"" + String(repeating: "x", count: 10000),
      "f\"{" + String(repeating: "{", count: 3000), String(repeating: "\n", count: 10000) + "1 +",
    ]
    for c in cases {
      do { _ = try s.run(c, file: "p.rsl") } catch { XCTAssertGreaterThanOrEqual(error.line, 1) }
    }
  }
}
