import Foundation
import XCTest

/// A sweep cell with `resources: {ranks: K}`: the local executor starts it under
/// `mpirun -np K`, the cell trains data-parallel, and rank 0 alone writes its result, which
/// equals the same cell on one rank (with `sync_bn: true`, up to summation order).
final class SweepRanksTests: XCTestCase {
  /// Trains a width-4 convnet for a few FixMatch steps and records the world size and two
  /// summaries of the trained weights.
  static let cellScript = """
    p = sweep_params({steps: 6, seed: 0})
    ds = from_tensors(rand([48, 1, 16, 16], seed: 1), range(48) |> map(fn(i) i % 3 end))
    m = convnet(width: 4, classes: 3, seed: 3)
    run = train(m, fixmatch(tau: 0.5), labeled: ds, unlabeled: ds, steps: p.steps, batch: 8, mu: 2, lr: 0.05,
                seed: p.seed, ema: 0, sync_bn: true)
    l1 = 0
    l2 = 0
    for t in params(m)
      l1 = l1 + item(sum(abs(t)))
      l2 = l2 + item(sum(t * t))
    end
    sweep_record({size: world().size, l1: l1, l2: l2})
    """

  static func sweepFile(ranks: String) -> String {
    """
    name: dp
    script: cell.rsl
    out: results
    seeds: 1
    axes:
      steps: [6]
    resources:
      ranks: \(ranks)
    """
  }

  /// The one result document of the sweep in `out`.
  static func result(_ folder: String, _ out: String) throws -> [String: Any] {
    let cells = folder + "/\(out)/cells"
    let files = try FileManager.default.contentsOfDirectory(atPath: cells).filter { $0.hasSuffix(".json") }
    XCTAssertEqual(files, ["steps=6_seed=0.json"], "one result, no failure marker")
    let data = try Data(contentsOf: URL(fileURLWithPath: cells + "/" + XCTUnwrap(files.first)))
    return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
  }

  func testTwoRankCellEqualsOneRankCell() throws {
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/mpirun") else {
      throw XCTSkip("mpirun is not installed (scripts/setup.sh installs openmpi-bin)")
    }
    let folder = try makeTemporaryFolder(self)
    try writeFile(folder, "cell.rsl", Self.cellScript)
    try writeFile(folder, "two.yaml", Self.sweepFile(ranks: "2"))
    try writeFile(folder, "one.yaml", Self.sweepFile(ranks: "1"))
    let two = try RSLabBinary.run(["sweep", "run", "two.yaml", "--jobs", "1", "--out", "two"], directory: folder, timeout: 60)
    XCTAssertEqual(two.status, 0, two.stdout + two.stderr)
    XCTAssertTrue(two.stdout.contains("1 at a time with 2 ranks of 1 thread each"), two.stdout)
    let one = try RSLabBinary.run(["sweep", "run", "one.yaml", "--jobs", "1", "--out", "one"], directory: folder, timeout: 60)
    XCTAssertEqual(one.status, 0, one.stdout + one.stderr)

    let r2 = try Self.result(folder, "two"), r1 = try Self.result(folder, "one")
    XCTAssertEqual(r2["ranks"] as? Double, 2)
    XCTAssertEqual(r1["ranks"] as? Double, 1)
    let m2 = try XCTUnwrap(r2["metrics"] as? [String: Any]), m1 = try XCTUnwrap(r1["metrics"] as? [String: Any])
    XCTAssertEqual(m2["size"] as? Double, 2)
    XCTAssertEqual(m1["size"] as? Double, 1)
    for key in ["l1", "l2"] {
      let a = try XCTUnwrap(m2[key] as? Double), b = try XCTUnwrap(m1[key] as? Double)
      XCTAssertEqual(a, b, accuracy: 1e-5 * abs(b), key)
    }
    // Only rank 0 wrote the log: its header appears once.
    let log = try String(contentsOfFile: folder + "/two/logs/steps=6_seed=0.log", encoding: .utf8)
    XCTAssertEqual(log.components(separatedBy: "=== cell 0 of dp").count - 1, 1, log)
    XCTAssertTrue(log.contains("2 ranks, BLAS threads per rank: 1"), log)
    // Done cells are not rerun.
    let again = try RSLabBinary.run(["sweep", "run", "two.yaml", "--out", "two"], directory: folder)
    XCTAssertTrue(again.stdout.contains("1 cells, 1 done, 0 to run"), again.stdout)
  }

  func testZeroRanksIsALocatedError() throws {
    let folder = try makeTemporaryFolder(self)
    try writeFile(folder, "cell.rsl", Self.cellScript)
    try writeFile(folder, "bad.yaml", Self.sweepFile(ranks: "0"))
    let r = try RSLabBinary.run(["sweep", "run", "bad.yaml"], directory: folder)
    XCTAssertEqual(r.status, 2, r.stdout + r.stderr)
    XCTAssertTrue(r.stderr.contains("bad.yaml:8:10: 'resources.ranks': a whole number >= 1 expected, got '0'"), r.stderr)
    XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/results"))
  }
}

extension SweepRanksTests {
  /// Ctrl-C to the executor while a cell trains (on one rank and on two): `train` returns its
  /// partial run, but the cell records no result and no failure, so the next run reruns it.
  func testInterruptedCellLeavesNoResultOnOneAndTwoRanks() throws {
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/mpirun") else {
      throw XCTSkip("mpirun is not installed (scripts/setup.sh installs openmpi-bin)")
    }
    let folder = try makeTemporaryFolder(self)
    try writeFile(folder, "cell.rsl", Self.cellScript)
    for ranks in ["1", "2"] {
      try writeFile(folder, "long\(ranks).yaml", Self.sweepFile(ranks: ranks).replacingOccurrences(of: "steps: [6]", with: "steps: [1000000]"))
      let p = Process()
      p.executableURL = URL(fileURLWithPath: try RSLabBinary.path())
      p.arguments = ["sweep", "run", "long\(ranks).yaml", "--out", "long\(ranks)"]
      p.currentDirectoryURL = URL(fileURLWithPath: folder)
      let out = Pipe()
      p.standardOutput = out
      p.standardError = FileHandle.nullDevice
      try p.run()
      let log = folder + "/long\(ranks)/logs/steps=1000000_seed=0.log"
      let deadline = Date().addingTimeInterval(30)
      while Date() < deadline, p.isRunning,
            !((try? String(contentsOfFile: log, encoding: .utf8))?.contains("=== cell 0 of dp") ?? false) { usleep(20_000) }
      usleep(500_000)
      kill(p.processIdentifier, SIGINT)
      let stopBy = Date().addingTimeInterval(20)
      while p.isRunning, Date() < stopBy { usleep(20_000) }
      if p.isRunning { p.terminate(); XCTFail("ranks \(ranks): the executor did not stop") }
      p.waitUntilExit()
      let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
      XCTAssertEqual(p.terminationStatus, 130, "ranks \(ranks): \(text)")
      XCTAssertTrue(text.contains("stopped cell 0 (steps=1000000_seed=0); it will rerun"), "ranks \(ranks): \(text)")
      let cells = try FileManager.default.contentsOfDirectory(atPath: folder + "/long\(ranks)/cells").filter { !$0.hasPrefix(".") }
      XCTAssertEqual(cells, [], "ranks \(ranks): no result and no failure marker")
    }
  }
}
