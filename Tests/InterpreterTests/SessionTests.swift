import Foundation
import Interpreter
import Runtime
import XCTest

/// The Session API the shell relies on: echo, incomplete input, completion, variables,
/// help, reset, interrupts, limits, runtime objects.
final class SessionTests: XCTestCase {
  func makeSession() -> (Session, ConformanceScript.Box) {
    let out = ConformanceScript.Box()
    return (Session(output: { out.text += $0 }), out)
  }

  func testEchoAndStatePersistAcrossRuns() throws {
    let (s, out) = makeSession()
    XCTAssertNil(try s.run("x = 2", file: "<repl>").echo)
    XCTAssertEqual(try s.run("x * 3", file: "<repl>").echo, "6")
    XCTAssertNil(try s.run("x * 3;", file: "<repl>").echo)
    XCTAssertNil(try s.run("print(x)", file: "<repl>").echo)
    XCTAssertEqual(out.text, "2\n")
  }

  func testIncompleteInput() {
    let s = Session()
    XCTAssertTrue(s.isIncomplete("fn f(x)"))
    XCTAssertTrue(s.isIncomplete("if x > 1\n  print(1)"))
    XCTAssertTrue(s.isIncomplete("xs = [1,"))
    XCTAssertTrue(s.isIncomplete("y = 1 +"))
    XCTAssertTrue(s.isIncomplete("f(a,\n  b"))
    XCTAssertFalse(s.isIncomplete("fn f(x) x end"))
    XCTAssertFalse(s.isIncomplete("x = )"))
    XCTAssertFalse(s.isIncomplete("print(\"open"))
    XCTAssertFalse(s.isIncomplete(""))
  }

  func testCompletions() throws {
    let s = Session()
    _ = try s.run("config = {lr: 0.1, lambda_u: 1}\nmy_value = 3", file: "<repl>")
    XCTAssertEqual(s.completions(line: "resh", cursor: 4), ["reshape"])
    XCTAssertTrue(s.completions(line: "x = my_", cursor: 7).contains("my_value"))
    XCTAssertEqual(s.completions(line: "config.l", cursor: 8), ["config.lambda_u", "config.lr"])
    XCTAssertTrue(s.completions(line: "reshape(t, sh", cursor: 13).contains("shape:"))
    XCTAssertTrue(s.completions(line: "randn([2], se", cursor: 13).contains("seed:"))
    XCTAssertTrue(s.completions(line: "whi", cursor: 3).contains("while"))
  }

  func testVariablesResetAndHelp() throws {
    let s = Session()
    _ = try s.run("b = [1, 2]\na = 1\nsum = 5", file: "<repl>")
    let vars = s.variables()
    XCTAssertEqual(vars.map(\.name), ["a", "b", "sum"])
    XCTAssertEqual(vars.map(\.type), ["number", "list", "number"])
    XCTAssertEqual(vars[1].summary, "[1, 2]")
    s.reset()
    XCTAssertEqual(s.variables().count, 0)
    XCTAssertEqual(try s.run("sum([1, 2])", file: "<repl>").echo, "3", "reset restores shadowed builtins")
    XCTAssertTrue(s.help("reshape").hasPrefix("reshape(t, shape)"))
    XCTAssertTrue(s.help(nil).contains("tensor:"))
    XCTAssertTrue(s.help("reshap").contains("did you mean 'reshape'"))
  }

  func testRenderedDiagnosticHasSourceLineAndCaret() {
    let s = Session()
    XCTAssertThrowsError(try s.run("a = ones([64, 10])\nlogits = a @ a", file: "tutorial.rsl")) { error in
      let d = error as? Diagnostic
      XCTAssertEqual(d?.rendered, """
        tutorial.rsl:2:12: error: matmul: shapes [64, 10] and [64, 10] do not align
            logits = a @ a
                       ^
        """)
    }
  }

  func testErrorsDoNotLoseTheSession() throws {
    let s = Session()
    _ = try s.run("keep = 41", file: "<repl>")
    XCTAssertThrowsError(try s.run("keep = keep + \"x\"", file: "<repl>"))
    XCTAssertThrowsError(try s.run("fn f() f() end\nf()", file: "<repl>"))
    XCTAssertEqual(try s.run("keep + 1", file: "<repl>").echo, "42")
  }

  func testInterruptStopsAnInfiniteLoopAndKeepsGlobals() throws {
    let s = Session()
    _ = try s.run("kept = 7", file: "<repl>")
    interrupt(s, after: 0.2)
    XCTAssertThrowsError(try s.run("n = 0\nwhile true\n  n += 1\nend", file: "<repl>")) { error in
      XCTAssertEqual((error as? Diagnostic)?.header, "<repl>:2:1: error: interrupted")
    }
    XCTAssertEqual(try s.run("kept", file: "<repl>").echo, "7")
    XCTAssertEqual(try s.run("n > 0", file: "<repl>").echo, "true")
    // An interrupt cannot be swallowed by try/catch.
    interrupt(s, after: 0.2)
    XCTAssertThrowsError(try s.run("try\n  while true end\ncatch e\n  print(\"caught\")\nend", file: "<repl>"))
  }

  func testStepLimit() {
    let s = Session()
    var limits = Limits()
    limits.maxSteps = 1000
    s.limits = limits
    XCTAssertThrowsError(try s.run("while true end", file: "x.rsl")) { error in
      XCTAssertEqual((error as? Diagnostic)?.message, "step limit of 1000 exceeded")
    }
  }

  func testArgsAndPrintGoThroughTheSession() throws {
    let (s, out) = makeSession()
    s.scriptArguments = ["--steps", "10"]
    _ = try s.run("print(args())", file: "a.rsl")
    XCTAssertEqual(out.text, "[\"--steps\", \"10\"]\n")
  }

  /// A runtime object added the way other modules add datasets, models and runs.
  final class Counter: NativeObject {
    var n = 3
    var typeName: String { "counter" }
    var summary: String { "counter(\(n))" }
    var memberNames: [String] { ["count", "double"] }
    func member(_ name: String) throws -> Value? {
      switch name {
      case "count": return .number(Double(n))
      case "double": return .number(Double(n * 2))
      default: return nil
      }
    }
    func index(_ key: Value) throws -> Value? { .number((key.asNumber ?? 0) * 10) }
    var length: Int? { n }
    func elements() throws -> [Value]? { (0..<n).map { .number(Double($0)) } }
    func call(_ arguments: [Value], context: CallContext) throws -> Value? { .number(Double(arguments.count)) }
  }

  /// Indexable with a length but no `elements()`: iterated lazily, one index at a time.
  final class Samples: NativeObject {
    var visited: [Int] = []
    var typeName: String { "dataset" }
    var summary: String { "dataset(5 samples)" }
    var length: Int? { 5 }
    func index(_ key: Value) throws -> Value? {
      guard let i = key.asNumber.map(Int.init), i >= 0, i < 5 else { return nil }
      visited.append(i)
      return .record(["label": .number(Double(i % 2))])
    }
  }

  func testObjectsWithLengthAndIndexIterateLazily() throws {
    let (s, out) = makeSession()
    let ds = Samples()
    s.define("ds", .object(ds))
    _ = try s.run("for x in ds\n  print(x.label)\n  if x.label == 0 and len(ds) > 0 break end\nend", file: "d.rsl")
    XCTAssertEqual(out.text, "0\n")
    XCTAssertEqual(ds.visited, [0], "only the first sample was read")
    XCTAssertEqual(try s.run("map(ds, fn(x) x.label end)", file: "d.rsl").echo, "[0, 1, 0, 1, 0]")
  }

  func testNativeObjects() throws {
    let (s, out) = makeSession()
    s.define("c", .object(Counter()))
    _ = try s.run("print(type(c), c, c.count, c[2], len(c), c(1, 2))\nfor x in c print(x) end", file: "o.rsl")
    XCTAssertEqual(out.text, "counter counter(3) 3 20 3 2\n0\n1\n2\n")
    XCTAssertEqual(try s.run("c", file: "o.rsl").echo, "counter(3)")
    XCTAssertThrowsError(try s.run("c.cont", file: "o.rsl")) { error in
      XCTAssertEqual((error as? Diagnostic)?.message, "counter has no field 'cont' (did you mean 'count'?)")
    }
    XCTAssertEqual(s.completions(line: "c.c", cursor: 3), ["c.count"])
  }
}
