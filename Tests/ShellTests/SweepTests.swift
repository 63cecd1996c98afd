import Foundation
import XCTest

/// `rslab sweep` on the local executor, driving the real binary: resume after kill -9 (every
/// cell exactly once, finished cells not rerun), a failing cell reported while the others
/// complete, bad sweep files rejected with a located error before anything is written, the
/// report's paired statistics, and `sweep_params` run by hand.
final class SweepTests: XCTestCase {
  /// A cell that takes a moment (matrix products), fails on request, and records a metric
  /// that depends on its parameters and seed, with a history.
  static let cellScript = """
    p = sweep_params({method: "a", work: 20, seed: 0, fail: false})
    if p.fail and p.method == "b" and p.seed == 1 error("boom for method b seed 1") end
    x = randn([96, 96], seed: p.seed) * 0.1
    for i in 0..p.work
      x = tanh(x @ x + 0.1)
    end
    acc = num(mean(x))
    if p.method == "b" acc = acc + 0.25 end
    sweep_record({acc: acc, label: p.method}, history: map(range(3), fn(i) {step: i, test_acc: acc * (i + 1) / 3} end))
    """

  static func sweepFile(seeds: Int = 3, extra: String = "", axes: String = "  method: [a, b]") -> String {
    """
    name: tiny
    script: cell.rsl
    out: results
    seeds: \(seeds)
    axes:
    \(axes)
    baseline:
      method: a
    resources:
      threads: 1
    \(extra)
    """
  }

  func results(_ folder: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: folder + "/results/cells")) ?? [])
      .filter { $0.hasSuffix(".json") && !$0.hasSuffix(".failed.json") }.sorted()
  }

  func testKill9MidSweepThenRerunRunsEveryCellExactlyOnce() throws {
    let folder = try makeTemporaryFolder(self)
    try writeFile(folder, "cell.rsl", SweepTests.cellScript.replacingOccurrences(of: "work: 20", with: "work: 400"))
    try writeFile(folder, "tiny.yaml", SweepTests.sweepFile(seeds: 4))
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try RSLabBinary.path())
    process.arguments = ["sweep", "run", "tiny.yaml", "--jobs", "2"]
    process.currentDirectoryURL = URL(fileURLWithPath: folder)
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    // Kill the executor once some cells are done and others are not.
    let deadline = Date().addingTimeInterval(60)
    while results(folder).count < 2, Date() < deadline, process.isRunning { usleep(20_000) }
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    // Its cells notice and die (as on a lost node); give them a moment.
    usleep(1_000_000)
    let before = results(folder)
    XCTAssertGreaterThanOrEqual(before.count, 2)
    XCTAssertLessThan(before.count, 8, "the sweep finished before it could be killed; make the cells slower")
    var finished: [String: String] = [:]
    for name in before {
      finished[name] = try String(contentsOfFile: folder + "/results/cells/" + name, encoding: .utf8)
    }

    let rerun = try RSLabBinary.run(["sweep", "run", "tiny.yaml", "--jobs", "2"], directory: folder, timeout: 120)
    XCTAssertEqual(rerun.status, 0, rerun.stdout + rerun.stderr)
    XCTAssertTrue(rerun.stdout.contains("8 cells, \(before.count) done, \(8 - before.count) to run"), rerun.stdout)
    let after = results(folder)
    XCTAssertEqual(after.count, 8, "\(after)")
    XCTAssertEqual(Set(after).count, 8)
    // Finished cells were not rerun: their files are byte-for-byte the same.
    for (name, text) in finished {
      XCTAssertEqual(try String(contentsOfFile: folder + "/results/cells/" + name, encoding: .utf8), text, name)
    }
    // No temporary files of interrupted writes remain next to the results.
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder + "/results/cells").filter { $0.contains(".tmp-") }
    XCTAssertEqual(leftovers, [])
    // Running again does nothing.
    let third = try RSLabBinary.run(["sweep", "run", "tiny.yaml"], directory: folder)
    XCTAssertTrue(third.stdout.contains("nothing to run"), third.stdout)
  }

  func testFailingCellIsReportedAndTheOthersComplete() throws {
    let folder = try makeTemporaryFolder(self)
    try writeFile(folder, "cell.rsl", SweepTests.cellScript)
    try writeFile(folder, "tiny.yaml", SweepTests.sweepFile(extra: "fixed:\n  fail: true"))
    let run = try RSLabBinary.run(["sweep", "run", "tiny.yaml", "--jobs", "2"], directory: folder, timeout: 60)
    XCTAssertEqual(run.status, 1, run.stdout + run.stderr)
    XCTAssertTrue(run.stdout.contains("5 of 6 cells done, 1 failed"), run.stdout)
    XCTAssertTrue(run.stdout.contains("boom for method b seed 1"), run.stdout)
    XCTAssertTrue(run.stdout.contains("log: results/logs/method=b_seed=1.log"), run.stdout)
    XCTAssertEqual(results(folder).count, 5)
    let status = try RSLabBinary.run(["sweep", "status", "tiny.yaml"], directory: folder)
    XCTAssertTrue(status.stdout.contains("3\tfailed\tmethod=b seed=1"), status.stdout)
    XCTAssertTrue(status.stdout.contains("error: cell.rsl:2:"), status.stdout)
    XCTAssertTrue(status.stdout.contains("6 cells: 5 done, 1 failed"), status.stdout)
    XCTAssertTrue(status.stdout.contains("finished cells took ") && status.stdout.contains("the 1 left need about "), status.stdout)
    let log = try String(contentsOfFile: folder + "/results/logs/method=b_seed=1.log", encoding: .utf8)
    XCTAssertTrue(log.contains("boom for method b seed 1"), log)

    // The report pairs b with the baseline a on the seeds both have (0 and 2).
    let report = try RSLabBinary.run(["sweep", "report", "tiny.yaml"], directory: folder)
    XCTAssertEqual(report.status, 0, report.stderr)
    XCTAssertTrue(report.stdout.contains("| b | acc | 2 | s0: +0.2500, s2: +0.2500 | +0.2500 |"), report.stdout)
    XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/results/runs.csv"))
    XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/results/plots/method=a.png"))
    XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/results/plots/paired-acc.png"), "the differences to the baseline as a chart")
    // In the REPL (or -e), sweep_results gives the finished cells as records.
    let rows = try RSLabBinary.run(["-e", "rs = sweep_results(\"results\")\n[len(rs), rs[1].method, rs[1].seed, len(rs[1].history)]"], directory: folder)
    XCTAssertEqual(rows.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "[5, \"b\", 0, 3]", rows.stderr)
    // label is a string metric: in the CSV, not summarised.
    let csv = try String(contentsOfFile: folder + "/results/runs.csv", encoding: .utf8)
    XCTAssertTrue(csv.hasPrefix("index,cell,method,seed,acc,label,wall_seconds"), csv)
    XCTAssertFalse(report.stdout.contains("| label |"))
  }

  func testBadSweepFilesFailWithALocatedErrorAndWriteNothing() throws {
    let folder = try makeTemporaryFolder(self)
    try writeFile(folder, "cell.rsl", SweepTests.cellScript)
    try writeFile(folder, "blocker", "a file, not a folder\n")
    let cases: [(name: String, text: String, expected: [String])] = [
      ("damaged.yaml", "name: x\nscript: cell.rsl\naxes: [a, b\nout: results\n", ["damaged.yaml:4:", "not valid YAML"]),
      ("unknown-axis.yaml", SweepTests.sweepFile(axes: "  method: [a, b]\n  methd: [c]"),
       ["unknown-axis.yaml:7:3: 'methd': unknown axis", "did you mean 'method'?"]),
      ("unknown-key.yaml", SweepTests.sweepFile(extra: "seed: 3"), ["unknown-key.yaml:11:1: 'seed': unknown key (did you mean 'seeds'?)"]),
      ("bad-baseline.yaml", SweepTests.sweepFile().replacingOccurrences(of: "  method: a\n", with: "  method: c\n"),
       ["bad-baseline.yaml:8:11: 'method': baseline value c is not among the axis's values"]),
      ("bad-seeds.yaml", SweepTests.sweepFile().replacingOccurrences(of: "seeds: 3", with: "seeds: [0, x]"),
       ["bad-seeds.yaml:4:12: 'seeds': a seed must be a whole number"]),
      ("bad-out.yaml", SweepTests.sweepFile().replacingOccurrences(of: "out: results", with: "out: blocker/results"),
       ["bad-out.yaml:3:6: 'out': cannot create the output folder", "blocker is not a folder"]),
    ]
    for c in cases {
      try writeFile(folder, c.name, c.text)
      let before = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
      for command in ["run", "status", "report"] {
        let r = try RSLabBinary.run(["sweep", command, c.name], directory: folder)
        XCTAssertEqual(r.status, 2, "\(c.name) \(command): \(r.stdout)\(r.stderr)")
        for e in c.expected { XCTAssertTrue(r.stderr.contains(e), "\(c.name) \(command): expected \(e) in: \(r.stderr)") }
        XCTAssertEqual(r.stdout, "", c.name)
      }
      XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder).sorted(), before, "\(c.name) wrote something")
    }
    // An output folder that cannot be read or written (as root, permissions do not bind).
    if getuid() != 0 {
      try FileManager.default.createDirectory(atPath: folder + "/locked", withIntermediateDirectories: false)
      chmod(folder + "/locked", 0)
      defer { chmod(folder + "/locked", 0o755) }
      try writeFile(folder, "locked.yaml", SweepTests.sweepFile().replacingOccurrences(of: "out: results", with: "out: locked"))
      let r = try RSLabBinary.run(["sweep", "run", "locked.yaml"], directory: folder)
      XCTAssertEqual(r.status, 2)
      XCTAssertTrue(r.stderr.contains("locked.yaml:3:6: 'out': the output folder"), r.stderr)
    }
    // A cell index out of range.
    try writeFile(folder, "ok.yaml", SweepTests.sweepFile())
    let r = try RSLabBinary.run(["sweep", "cell", "ok.yaml", "--index", "6"], directory: folder)
    XCTAssertEqual(r.status, 2)
    XCTAssertTrue(r.stderr.contains("cell index 6 is out of range: the sweep has 6 cells (0..5)"), r.stderr)
  }

  func testCellScriptRunsByHandWithKeyValueArguments() throws {
    let folder = try makeTemporaryFolder(self)
    try writeFile(folder, "cell.rsl", SweepTests.cellScript)
    let ok = try RSLabBinary.run(["cell.rsl", "method=b", "seed=2", "work=3"], directory: folder)
    XCTAssertEqual(ok.status, 0, ok.stderr)
    XCTAssertTrue(ok.stdout.hasPrefix("sweep_record: {acc: "), ok.stdout)
    XCTAssertTrue(ok.stdout.contains("label: \"b\""), ok.stdout)
    let typo = try RSLabBinary.run(["cell.rsl", "methd=b"], directory: folder)
    XCTAssertEqual(typo.status, 1)
    XCTAssertTrue(typo.stderr.contains("the command line sets 'methd', which is not among the script's defaults (did you mean 'method'?)"), typo.stderr)
    let badType = try RSLabBinary.run(["cell.rsl", "work=many"], directory: folder)
    XCTAssertTrue(badType.stderr.contains("work=many: a number expected (the default is 20)"), badType.stderr)
  }
}
