import Foundation
import Interpreter
import Runtime
import XCTest

/// Runaway programs end with a clear error instead of an out-of-memory kill or a stack
/// overflow: string and list growth, repetition counts, deep recursion, huge tensors.
final class ResourceLimitTests: XCTestCase {
  func message(_ source: String, limits: Limits = Limits()) -> String? {
    let s = Session(output: { _ in })
    s.limits = limits
    do { _ = try s.run(source, file: "limits.rsl"); return nil } catch { return error.rendered }
  }

  func assertError(_ source: String, _ fragments: [String], line: UInt = #line) {
    guard let m = message(source) else { return XCTFail("no error for \(source)", line: line) }
    for f in fragments { XCTAssertTrue(m.contains(f), "\"\(m)\" lacks \"\(f)\"", line: line) }
  }

  func testStringAndListDoublingStopsAtTheGrowthLimit() {
    assertError("s = \"abcdefgh\"\nwhile true\n  s = s + s\nend", ["limits.rsl:3:", "string concatenation would make", "more than the limit of 100000000"])
    assertError("x = [1, 2, 3, 4]\nwhile true\n  x = x + x\nend", ["list concatenation would make", "elements"])
  }

  func testRepetitionCountsThatOverflowAreErrors() {
    // 2^52 * 4096 wraps to 0 in Int arithmetic; it must not pass as a small count.
    assertError("s = \"abcd\" * 1024\nt = s * 4503599627370496", ["limits.rsl:2:", "string repetition would make more than"])
    assertError("x = [1, 2, 3, 4] * 1024\ny = x * 4503599627370496", ["list repetition would make more than"])
    assertError("\"ab\" * 100000000", ["string repetition would make 200000000 bytes"])
    assertError("\"ab\" * -1", ["must be a non-negative integer"])
    XCTAssertNil(message("x = \"ab\" * 1000\nassert_len = len(x) == 2000"))
  }

  func testAppendStopsAtTheCollectionLimit() {
    var l = Limits()
    l.maxCollection = 1000
    let m = message("x = []\nfor i in 0..5000\n  append(x, i)\nend", limits: l)
    XCTAssertNotNil(m)
    XCTAssertTrue(m?.contains("the list already has 1000 elements") == true, m ?? "")
  }

  func testDeepRecursionIsAnErrorAndTheSessionContinues() {
    let s = Session(output: { _ in })
    do {
      _ = try s.run("fn f(n) f(n + 1) end\nf(0)", file: "r.rsl")
      XCTFail("no error")
    } catch {
      XCTAssertTrue(error.rendered.contains("recursion"), error.rendered)
    }
    XCTAssertEqual(try s.run("1 + 1", file: "r.rsl").echo, "2")
  }

  func testHugeTensorIsAMemoryLimitError() {
    assertError("t = zeros([100000, 100000, 10])", ["zeros", "would exceed the memory limit", "RSLAB_MEMORY_LIMIT"])
    let saved = MemoryLimit.limit
    MemoryLimit.limit = 4 << 20
    defer { MemoryLimit.limit = saved }
    assertError("a = zeros([1100, 1000])", ["allocating 4.2 MiB would exceed the memory limit of 4.0 MiB"])
    assertError("a = zeros([600, 1000])\nb = concat([a, a], axis: 0)", ["would exceed the memory limit"])
  }
}

/// Echo and `:vars` of huge or self-referencing values stay bounded.
final class DisplayLimitTests: XCTestCase {
  func testSelfReferencingListAndHugeStringDisplayQuickly() throws {
    let s = Session(output: { _ in })
    let started = Date()
    let echo = try s.run("x = [1]\nfor i in 0..40\n  append(x, x)\nend\nx", file: "d.rsl").echo ?? ""
    XCTAssertLessThan(echo.utf8.count, 120_000)
    XCTAssertTrue(echo.hasSuffix("...]"), String(echo.suffix(20)))
    let big = try s.run("y = \"ab\" * 5000000\ny", file: "d.rsl").echo ?? ""
    XCTAssertTrue(big.hasSuffix("... (10000000 bytes)"), String(big.suffix(30)))
    XCTAssertEqual(s.variables().map(\.name), ["i", "x", "y"])
    XCTAssertLessThan(Date().timeIntervalSince(started), 5)
  }
}
