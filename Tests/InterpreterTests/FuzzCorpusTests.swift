import Foundation
import FuzzTargets
import Interpreter
import Runtime
import XCTest

/// Replays the saved fuzz crash corpus (Tests/FuzzCorpus/TARGET/*) through the fuzz targets,
/// so every crash the fuzzer found stays fixed; CI runs this without sanitizers.
final class FuzzCorpusTests: XCTestCase {
  static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("FuzzCorpus")

  func testSavedCrashInputsRunToAnErrorOrAResult() throws {
    var replayed = 0
    for target in FuzzTarget.allCases {
      let dir = FuzzCorpusTests.corpus.appendingPathComponent(target.rawValue)
      let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
      for name in names {
        let bytes = try [UInt8](Data(contentsOf: dir.appendingPathComponent(name)))
        target.run(bytes)
        replayed += 1
      }
    }
    // The corpus holds at least the hand-made regression inputs committed with the fixes.
    XCTAssertGreaterThanOrEqual(replayed, 5)
  }

  func testScriptTargetEndsEveryInputWithinItsLimits() throws {
    // The fuzz limits must turn runaway programs into errors quickly.
    let started = Date()
    for source in ["while true end", "fn f(n) f(n + 1) end\nf(0)", "s = \"ab\"\nwhile true s = s + s end",
                   "x = [1]\nwhile true append(x, x) end", "zeros([100000, 100000])", "fn f() return f end\nf()()()()"] {
      FuzzTarget.rsl.run(Array(source.utf8))
    }
    XCTAssertLessThan(Date().timeIntervalSince(started), 10)
    XCTAssertEqual(MemoryLimit.limit, FuzzEnvironment.memoryLimit)
  }

  override func tearDown() {
    // The fuzz targets lower the memory budget for the process; restore the default.
    MemoryLimit.limit = savedLimit
  }

  let savedLimit = MemoryLimit.limit
}
