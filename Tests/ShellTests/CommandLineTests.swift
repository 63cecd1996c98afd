import Foundation
import XCTest

/// `rslab` as a command: scripts, `-e`, stdin, `args()`, exit codes 0/1/2, signals.
final class CommandLineTests: XCTestCase {
  func testVersionAndHelpExitZero() throws {
    let version = try RSLabBinary.run(["--version"])
    XCTAssertEqual(version.status, 0)
    XCTAssertTrue(version.stdout.hasPrefix("rslab "), version.stdout)
    let help = try RSLabBinary.run(["--help"])
    XCTAssertEqual(help.status, 0)
    XCTAssertTrue(help.stdout.contains("rslab notebook FILE.rsl -o"), help.stdout)
    let notebookHelp = try RSLabBinary.run(["notebook", "--help"])
    XCTAssertEqual(notebookHelp.status, 0)
    XCTAssertTrue(notebookHelp.stdout.contains("--keep-going"), notebookHelp.stdout)
  }

  /// Open MPI and libzmq (with the twenty libraries they pull in) are loaded when a
  /// data-parallel run or a Jupyter kernel starts, not linked: every linked library slows
  /// each symbol lookup at start-up. (DataParallelTests and KernelTests use them loaded.)
  func testOpenMPIAndZeroMQAreNotLinked() throws {
    let readelf = Process()
    readelf.executableURL = URL(fileURLWithPath: "/usr/bin/readelf")
    readelf.arguments = ["-d", try RSLabBinary.path()]
    let pipe = Pipe()
    readelf.standardOutput = pipe
    try readelf.run()
    let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    readelf.waitUntilExit()
    let needed = text.split(separator: "\n").filter { $0.contains("(NEEDED)") }
    XCTAssertTrue(needed.contains { $0.contains("libopenblas") }, text)
    XCTAssertFalse(needed.contains { $0.contains("libmpi") || $0.contains("libzmq") }, text)
  }

  func testBadCommandLinesExitTwo() throws {
    let folder = try makeTemporaryFolder(self)
    let script = try writeFile(folder, "ok.rsl", "print(1)\n")
    let cases: [[String]] = [
      ["--no-such-option"],
      ["-e"],
      [folder + "/missing.rsl"],
      ["notebook", script],
      ["notebook", script, "-o", folder + "/out.txt"],
      ["notebook", folder + "/missing.rsl", "-o", folder + "/out.ipynb"],
      ["--builtins", script],
    ]
    for arguments in cases {
      let outcome = try RSLabBinary.run(arguments)
      XCTAssertEqual(outcome.status, 2, "\(arguments): \(outcome.stderr)")
      XCTAssertFalse(outcome.stderr.isEmpty, "\(arguments) must say what is wrong")
      XCTAssertEqual(outcome.stdout, "", "\(arguments)")
    }
  }

  func testScriptRunsAndExitsZero() throws {
    let folder = try makeTemporaryFolder(self)
    let script = try writeFile(folder, "sum.rsl", """
      total = 0
      for i in 0..5
        total += i
      end
      print("total", total)
      total
      """)
    let outcome = try RSLabBinary.run([script])
    XCTAssertEqual(outcome.status, 0, outcome.stderr)
    // A script does not echo its final expression; only print writes.
    XCTAssertEqual(outcome.stdout, "total 10\n")
    XCTAssertEqual(outcome.stderr, "")
  }

  func testErrorInScriptExitsOneWithDiagnostic() throws {
    let folder = try makeTemporaryFolder(self)
    let script = try writeFile(folder, "bad.rsl", "print(\"before\")\ny = no_such_name + 1\nprint(\"after\")\n")
    let outcome = try RSLabBinary.run([script])
    XCTAssertEqual(outcome.status, 1)
    XCTAssertEqual(outcome.stdout, "before\n", "the run stops at the error")
    XCTAssertTrue(outcome.stderr.hasPrefix(script + ":2:5: error:"), outcome.stderr)
    XCTAssertTrue(outcome.stderr.contains("no_such_name"), outcome.stderr)
    XCTAssertTrue(outcome.stderr.contains("    y = no_such_name + 1\n        ^"), outcome.stderr)
  }

  func testEvalPrintsTheValue() throws {
    let sum = try RSLabBinary.run(["-e", "1 + 2"])
    XCTAssertEqual(sum.status, 0, sum.stderr)
    XCTAssertEqual(sum.stdout, "3\n")
    let printed = try RSLabBinary.run(["-e", "print(1)"])
    XCTAssertEqual(printed.status, 0, printed.stderr)
    XCTAssertEqual(printed.stdout.split(separator: "\n").first, "1")
    let quiet = try RSLabBinary.run(["-e", "x = 2; x * 3;"])
    XCTAssertEqual(quiet.stdout, "", "a final `;` suppresses the echo")
    let failing = try RSLabBinary.run(["-e", "1 +"])
    XCTAssertEqual(failing.status, 1)
    XCTAssertTrue(failing.stderr.hasPrefix("-e:1:"), failing.stderr)
  }

  func testArgsReachTheScript() throws {
    let folder = try makeTemporaryFolder(self)
    let script = try writeFile(folder, "args.rsl", "a = args()\nprint(len(a), a[0], a[2])\n")
    let outcome = try RSLabBinary.run([script, "first", "second", "--flag"])
    XCTAssertEqual(outcome.status, 0, outcome.stderr)
    XCTAssertEqual(outcome.stdout, "3 first --flag\n")
    let eval = try RSLabBinary.run(["-e", "len(args())", "a", "b"])
    XCTAssertEqual(eval.stdout, "2\n", eval.stderr)
  }

  func testScriptFromStdinWithoutPrompts() throws {
    let outcome = try RSLabBinary.run([], stdin: "x = 6\nprint(x * 7)\nx\n")
    XCTAssertEqual(outcome.status, 0, outcome.stderr)
    XCTAssertEqual(outcome.stdout, "42\n", "no banner, no prompt, no echo")
    let failing = try RSLabBinary.run([], stdin: "print(1)\nprint(2 +)\n")
    XCTAssertEqual(failing.status, 1)
    XCTAssertTrue(failing.stderr.hasPrefix("<stdin>:2:"), failing.stderr)
  }

  func testSigtermStopsAScriptWithAMessage() throws {
    let folder = try makeTemporaryFolder(self)
    let script = try writeFile(folder, "forever.rsl", "print(\"started\")\ni = 0\nwhile true\n  i += 1\nend\n")
    let outcome = try RSLabBinary.run([script], timeout: 10, signal: SIGTERM, signalAfter: 0.5)
    XCTAssertEqual(outcome.status, 143, outcome.stderr)
    XCTAssertEqual(outcome.stdout, "started\n")
    XCTAssertTrue(outcome.stderr.contains("terminated"), outcome.stderr)
  }

  func testCtrlCStopsAScriptWithStatus130() throws {
    let folder = try makeTemporaryFolder(self)
    let script = try writeFile(folder, "forever.rsl", "i = 0\nwhile true\n  i += 1\nend\n")
    let outcome = try RSLabBinary.run([script], timeout: 10, signal: SIGINT, signalAfter: 0.5)
    XCTAssertEqual(outcome.status, 130, outcome.stderr)
    XCTAssertTrue(outcome.stderr.contains("interrupted"), outcome.stderr)
  }

  func testBuiltinsReferenceIsMarkdown() throws {
    let outcome = try RSLabBinary.run(["--builtins"])
    XCTAssertEqual(outcome.status, 0, outcome.stderr)
    XCTAssertTrue(outcome.stdout.hasPrefix("#"), "a Markdown document starts with a heading")
    for name in ["print", "tensor", "matmul", "backward"] {
      XCTAssertTrue(outcome.stdout.contains(name), "\(name) is documented")
    }
  }
}
