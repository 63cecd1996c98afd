import Foundation
import XCTest

/// `mpirun -np 2 rslab script.rsl`: a data-parallel run equals the single-process run with the
/// same global batch, and a failing or killed rank ends the whole run.
final class DataParallelTests: XCTestCase {
  /// Trains a width-4 convnet for 20 steps (global batch 8 labeled + 16 unlabeled) and saves
  /// it (args: algorithm, sync_bn, shards, output or "-", [reference to compare with]); with a
  /// reference, prints the largest relative difference of any parameter tensor.
  static let trainScript = """
    a = args()
    ds = from_tensors(rand([96, 1, 16, 16], seed: 1), range(96) |> map(fn(i) i % 3 end))
    algo = fixmatch(tau: 0.5)
    if a[0] == "flexmatch"
      algo = flexmatch(tau: 0.5)
    elif a[0] == "rsmatch"
      algo = rsmatch(tau: 0.5, warmup_steps: 5, detect_threshold: 0.45)
    elif a[0] == "softmatch"
      algo = softmatch()
    end
    m = convnet(width: 4, classes: 3, seed: 3)
    run = train(m, algo, labeled: ds, unlabeled: ds, steps: 20, batch: 8, mu: 2, lr: 0.05, seed: 7, ema: 0,
                eval: ds, eval_every: 10, sync_bn: a[1] == "true", shards: num(a[2]))
    if a[3] != "-"
      save(m, a[3])
    end
    if world().rank == 0
      print("mask_rate", run.history.mask_rate)
    end
    if len(a) > 4
      r = copy(m)
      load_weights(r, a[4])
      pm = params(m)
      pr = params(r)
      worst = 0
      for i in 0..len(pm)
        worst = max(worst, item(max(abs(pm[i] - pr[i]))) / (item(max(abs(pr[i]))) + 1e-12))
      end
      print("rank", world().rank, "difference", worst, "test_acc", run.final.test_acc)
    end
    """

  struct Outcome { var status: Int32; var output: String; var seconds: Double }

  /// Runs `arguments` (mpirun or rslab), output of both streams to one file, killed after `timeout`.
  func launch(_ arguments: [String], folder: String, timeout: Double = 60,
              whileRunning: ((Process) throws -> Void)? = nil) throws -> Outcome {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: arguments[0])
    p.arguments = Array(arguments.dropFirst())
    p.currentDirectoryURL = URL(fileURLWithPath: folder)
    let log = folder + "/log-\(UUID().uuidString)"
    _ = FileManager.default.createFile(atPath: log, contents: nil)
    let h = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
    p.standardOutput = h; p.standardError = h
    let start = Date()
    try p.run()
    try whileRunning?(p)
    while p.isRunning && Date().timeIntervalSince(start) < timeout { usleep(20_000) }
    if p.isRunning { p.terminate(); XCTFail("\(arguments) did not finish within \(timeout) s") }
    p.waitUntilExit()
    try h.close()
    return Outcome(status: p.terminationStatus, output: try String(contentsOfFile: log, encoding: .utf8),
                   seconds: Date().timeIntervalSince(start))
  }

  func mpirun() throws -> String {
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/mpirun") else {
      throw XCTSkip("mpirun is not installed (scripts/setup.sh installs openmpi-bin)")
    }
    return "/usr/bin/mpirun"
  }

  func twoRanks(_ folder: String, _ rest: [String]) throws -> Outcome {
    try launch([try mpirun(), "--allow-run-as-root", "--oversubscribe", "-np", "2", try RSLabBinary.path()] + rest, folder: folder)
  }

  /// The "difference" printed by each rank.
  func differences(_ o: Outcome) -> [Int: Double] {
    var out: [Int: Double] = [:]
    for line in o.output.split(separator: "\n") where line.hasPrefix("rank ") {
      let w = line.split(separator: " ")
      if w.count >= 4, let r = Int(w[1]), let d = Double(w[3]) { out[r] = d }
    }
    return out
  }

  func checkEqual(algorithm: String, syncBN: Bool) throws {
    let dir = try makeTemporaryFolder(self)
    try writeFile(dir, "train.rsl", Self.trainScript)
    // Reference: one process, the whole batch (sync_bn) or the batch in two BN shards.
    let ref = try launch([try RSLabBinary.path(), "train.rsl", algorithm, "false", syncBN ? "1" : "2", "ref.safetensors"], folder: dir)
    XCTAssertEqual(ref.status, 0, ref.output)
    let dp = try twoRanks(dir, ["train.rsl", algorithm, syncBN ? "true" : "false", "1", "-", "ref.safetensors"])
    XCTAssertEqual(dp.status, 0, dp.output)
    let d = differences(dp)
    XCTAssertEqual(d.keys.sorted(), [0, 1], dp.output)
    for (rank, diff) in d { XCTAssertLessThan(diff, 1e-5, "rank \(rank): \(dp.output)") }
    // Rank 0's history holds the whole global batch's mask rate (not its shard's).
    let one = maskRates(ref), two = maskRates(dp)
    XCTAssertEqual(one.count, 2, ref.output)
    XCTAssertEqual(one.count, two.count, dp.output)
    for (x, y) in zip(one, two) { XCTAssertEqual(x, y, accuracy: 0.01, "\(ref.output)\n\(dp.output)") }
  }

  /// The "mask_rate [a, b]" list printed by rank 0.
  func maskRates(_ o: Outcome) -> [Double] {
    guard let line = o.output.split(separator: "\n").first(where: { $0.hasPrefix("mask_rate ") }) else { return [] }
    return line.dropFirst("mask_rate ".count).split(whereSeparator: { "[], ".contains($0) }).compactMap { Double($0) }
  }

  func testSyncBatchNormFixMatchEqualsOneProcess() throws { try checkEqual(algorithm: "fixmatch", syncBN: true) }

  func testSyncBatchNormFlexMatchEqualsOneProcess() throws { try checkEqual(algorithm: "flexmatch", syncBN: true) }

  func testSyncBatchNormRSMatchEqualsOneProcess() throws { try checkEqual(algorithm: "rsmatch", syncBN: true) }

  func testSyncBatchNormSoftMatchEqualsOneProcess() throws { try checkEqual(algorithm: "softmatch", syncBN: true) }

  func testPerRankBatchNormEqualsOneProcessWithShards() throws { try checkEqual(algorithm: "fixmatch", syncBN: false) }

  /// Control: per-rank batch norm is not the whole-batch run, so the comparison can fail.
  func testPerRankBatchNormDiffersFromWholeBatch() throws {
    let dir = try makeTemporaryFolder(self)
    try writeFile(dir, "train.rsl", Self.trainScript)
    let ref = try launch([try RSLabBinary.path(), "train.rsl", "fixmatch", "false", "1", "ref.safetensors"], folder: dir)
    XCTAssertEqual(ref.status, 0, ref.output)
    let dp = try twoRanks(dir, ["train.rsl", "fixmatch", "false", "1", "-", "ref.safetensors"])
    XCTAssertGreaterThan(differences(dp)[0] ?? 0, 1e-3, dp.output)
  }

  /// A 2-rank run's checkpoint (written by rank 0) resumes in one process and ends where the
  /// uninterrupted single-process run does.
  func testCheckpointOfTwoRanksResumesInOneProcess() throws {
    let dir = try makeTemporaryFolder(self)
    try writeFile(dir, "train.rsl", Self.trainScript)
    try writeFile(dir, "resume.rsl", """
      a = args()
      ds = from_tensors(rand([96, 1, 16, 16], seed: 1), range(96) |> map(fn(i) i % 3 end))
      m = convnet(width: 4, classes: 3, seed: 3)
      if a[0] == "first"
        train(m, flexmatch(tau: 0.5), labeled: ds, unlabeled: ds, steps: 20, batch: 8, mu: 2, lr: 0.05, seed: 7, ema: 0,
              sync_bn: true, checkpoint_every: 10, checkpoint_path: "ck-{step}.safetensors")
      else
        train(m, flexmatch(tau: 0.5), labeled: ds, unlabeled: ds, steps: 20, batch: 8, mu: 2, lr: 0.05, seed: 7, ema: 0,
              resume: "ck-10.safetensors")
        save(m, "resumed.safetensors")
      end
      """)
    let first = try twoRanks(dir, ["resume.rsl", "first"])
    XCTAssertEqual(first.status, 0, first.output)
    let resumed = try launch([try RSLabBinary.path(), "resume.rsl", "resume"], folder: dir)
    XCTAssertEqual(resumed.status, 0, resumed.output)
    let check = try launch([try RSLabBinary.path(), "train.rsl", "flexmatch", "false", "1", "-", "resumed.safetensors"], folder: dir)
    XCTAssertLessThan(differences(check)[0] ?? 1, 1e-5, check.output)
  }

  func testErrorOnOneRankEndsAllWithItsMessage() throws {
    let dir = try makeTemporaryFolder(self)
    try writeFile(dir, "fail.rsl", """
      ds = from_tensors(rand([32, 1, 16, 16], seed: 1), range(32) |> map(fn(i) i % 2 end))
      if world().rank == 1
        no_such_thing(1)
      end
      train(convnet(width: 4, classes: 2, seed: 1), fixmatch(), labeled: ds, unlabeled: ds, steps: 100000, batch: 4, mu: 1, ema: 0)
      """)
    let o = try twoRanks(dir, ["fail.rsl"])
    XCTAssertNotEqual(o.status, 0, o.output)
    XCTAssertTrue(o.output.contains("[rank 1] fail.rsl:3:3: error: undefined variable 'no_such_thing'"), o.output)
    XCTAssertLessThan(o.seconds, 30, o.output)
  }

  func testKilledRankEndsTheOthersWithinSeconds() throws {
    let dir = try makeTemporaryFolder(self)
    try writeFile(dir, "long.rsl", """
      ds = from_tensors(rand([32, 1, 16, 16], seed: 1), range(32) |> map(fn(i) i % 2 end))
      train(convnet(width: 4, classes: 2, seed: 1), fixmatch(), labeled: ds, unlabeled: ds, steps: 1000000, batch: 4, mu: 1, ema: 0)
      """)
    var killedAt: Date? = nil
    let o = try launch([try mpirun(), "--allow-run-as-root", "--oversubscribe", "-np", "2", try RSLabBinary.path(), "long.rsl"],
                       folder: dir, timeout: 60) { mpirun in
      // The ranks are mpirun's children; kill one once both train.
      var ranks: [Int32] = []
      let start = Date()
      while ranks.count < 2 && Date().timeIntervalSince(start) < 30 {
        usleep(200_000)
        ranks = Self.children(of: mpirun.processIdentifier)
      }
      XCTAssertEqual(ranks.count, 2)
      sleep(2)
      if let victim = ranks.last { kill(victim, SIGKILL); killedAt = Date() }
    }
    XCTAssertNotEqual(o.status, 0, o.output)
    if let k = killedAt { XCTAssertLessThan(Date().timeIntervalSince(k), 10, o.output) }
  }

  /// Processes whose parent is `pid` (from /proc).
  static func children(of pid: Int32) -> [Int32] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { Int32($0) }.filter { p in
      guard let stat = try? String(contentsOfFile: "/proc/\(p)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")") else { return false }
      let fields = stat[stat.index(after: close)...].split(separator: " ")
      return fields.count > 1 && Int32(fields[1]) == pid
    }.sorted()
  }
}
