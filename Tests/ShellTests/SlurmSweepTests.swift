import Foundation
import XCTest

/// The Slurm executor on a real single-node cluster started for the test
/// (scripts/slurm-local-cluster.sh: munged, slurmctld and slurmd from Debian's packages, with
/// their own key, config, state and logs in a temporary folder). A six-cell sweep goes through
/// `sbatch --array`; its report must equal the local executor's exactly. The daemons are
/// stopped by the PIDs the script recorded. If they cannot start, the test FAILS with the
/// reason: CI must not silently skip it.
final class SlurmSweepTests: XCTestCase {
  func testSlurmJobArrayReportEqualsTheLocalExecutors() throws {
    let folder = try makeTemporaryFolder(self)
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    let clusterScript = root + "/scripts/slurm-local-cluster.sh"
    let cluster = folder + "/cluster"
    let start = try shell([clusterScript, "start", cluster])
    addTeardownBlock { _ = try? self.shell([clusterScript, "stop", cluster]) }
    guard start.status == 0 else {
      XCTFail("the test's Slurm cluster did not start (status \(start.status)):\n\(start.output)")
      return
    }
    let env = ["SLURM_CONF": cluster + "/slurm.conf"]

    try writeFile(folder, "cell.rsl", SweepTests.cellScript)
    try writeFile(folder, "tiny.yaml", SweepTests.sweepFile())
    let local = try RSLabBinary.run(["sweep", "run", "tiny.yaml", "--jobs", "2", "--out", "local"], directory: folder, timeout: 60)
    XCTAssertEqual(local.status, 0, local.stdout + local.stderr)
    let slurm = try RSLabBinary.run(["sweep", "run", "tiny.yaml", "--executor", "slurm", "--wait", "--out", "slurm"],
                                    directory: folder, environment: env, timeout: 60)
    XCTAssertEqual(slurm.status, 0, slurm.stdout + slurm.stderr + "\n" + clusterLogs(cluster))
    XCTAssertTrue(slurm.stdout.contains("submitted job array"), slurm.stdout)
    XCTAssertTrue(slurm.stdout.contains("6 of 6 cells done"), slurm.stdout)
    let script = try FileManager.default.contentsOfDirectory(atPath: folder + "/slurm/slurm").first { $0.hasSuffix(".sbatch") }
    let sbatch = try String(contentsOfFile: folder + "/slurm/slurm/" + XCTUnwrap(script), encoding: .utf8)
    XCTAssertTrue(sbatch.contains("#SBATCH --array=0-5\n") && sbatch.contains("#SBATCH --cpus-per-task=1\n"), sbatch)

    for out in ["local", "slurm"] {
      let r = try RSLabBinary.run(["sweep", "report", "tiny.yaml", "--out", out], directory: folder, environment: env)
      XCTAssertEqual(r.status, 0, r.stderr)
    }
    func text(_ p: String) throws -> String { try String(contentsOfFile: folder + "/" + p, encoding: .utf8) }
    XCTAssertEqual(try text("slurm/table.md"), try text("local/table.md"))
    // The merged CSVs agree on every column but timings, host and paths.
    func metrics(_ p: String) throws -> [String] {
      try text(p).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).prefix(6).joined(separator: ",") }
    }
    XCTAssertEqual(try metrics("slurm/runs.csv"), try metrics("local/runs.csv"))
    // Status asks squeue: nothing of this sweep is left in the queue, every cell is done.
    let status = try RSLabBinary.run(["sweep", "status", "tiny.yaml", "--out", "slurm"], directory: folder, environment: env)
    XCTAssertTrue(status.stdout.contains("6 cells: 6 done"), status.stdout)
    // Submitting again sends nothing.
    let again = try RSLabBinary.run(["sweep", "run", "tiny.yaml", "--executor", "slurm", "--out", "slurm"], directory: folder, environment: env)
    XCTAssertTrue(again.stdout.contains("0 to submit"), again.stdout)

    // A cell on two ranks: `srun --mpi=pmix -n 2` makes one Open MPI run whose result equals the
    // local executor's `mpirun -np 2` cell; with the cluster's default plugin (none) the tasks
    // would be two worlds of one, and the cell refuses with the fix.
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/mpirun") else { return }
    try writeFile(folder, "dp.rsl", SweepRanksTests.cellScript)
    let dp = SweepRanksTests.sweepFile(ranks: "2").replacingOccurrences(of: "cell.rsl", with: "dp.rsl")
    try writeFile(folder, "dp.yaml", dp + "\nslurm:\n  mpi: pmix\n")
    try writeFile(folder, "dp-none.yaml", dp + "\n")
    let dpLocal = try RSLabBinary.run(["sweep", "run", "dp.yaml", "--out", "dp-local"], directory: folder, timeout: 60)
    XCTAssertEqual(dpLocal.status, 0, dpLocal.stdout + dpLocal.stderr)
    let dpSlurm = try RSLabBinary.run(["sweep", "run", "dp.yaml", "--executor", "slurm", "--wait", "--out", "dp-slurm"],
                                      directory: folder, environment: env, timeout: 60)
    XCTAssertEqual(dpSlurm.status, 0, dpSlurm.stdout + dpSlurm.stderr + "\n" + clusterLogs(cluster))
    let sbatchDP = try FileManager.default.contentsOfDirectory(atPath: folder + "/dp-slurm/slurm").first { $0.hasSuffix(".sbatch") }
    let jobDP = try String(contentsOfFile: folder + "/dp-slurm/slurm/" + XCTUnwrap(sbatchDP), encoding: .utf8)
    XCTAssertTrue(jobDP.contains("#SBATCH --ntasks=2\n") && jobDP.contains("exec srun --mpi='pmix' -n 2 "), jobDP)
    let ml = try XCTUnwrap(SweepRanksTests.result(folder, "dp-local")["metrics"] as? [String: Any])
    let ms = try XCTUnwrap(SweepRanksTests.result(folder, "dp-slurm")["metrics"] as? [String: Any])
    XCTAssertEqual(ms["size"] as? Double, 2)
    for key in ["l1", "l2"] {
      let a = try XCTUnwrap(ms[key] as? Double), b = try XCTUnwrap(ml[key] as? Double)
      XCTAssertEqual(a, b, accuracy: 1e-5 * abs(b), key)
    }
    let none = try RSLabBinary.run(["sweep", "run", "dp-none.yaml", "--executor", "slurm", "--wait", "--out", "dp-none"],
                                   directory: folder, environment: env, timeout: 60)
    XCTAssertEqual(none.status, 1, none.stdout + none.stderr)
    let noneStatus = try RSLabBinary.run(["sweep", "status", "dp-none.yaml", "--out", "dp-none"], directory: folder, environment: env)
    XCTAssertTrue(noneStatus.stdout.contains("do not form one MPI run") && noneStatus.stdout.contains("slurm: {mpi: pmix}"), noneStatus.stdout)
  }

  private func clusterLogs(_ dir: String) -> String {
    ["slurmctld.log", "slurmd.log"].map { name in
      let text = (try? String(contentsOfFile: dir + "/" + name, encoding: .utf8)) ?? ""
      return "--- \(name)\n" + text.split(separator: "\n").suffix(15).joined(separator: "\n")
    }.joined(separator: "\n")
  }

  /// Runs a command to completion, stdout and stderr together. The output goes through a
  /// file, not a pipe: daemons started by the command must not hold the test's pipe open.
  private func shell(_ argv: [String]) throws -> (status: Int32, output: String) {
    let log = FileManager.default.temporaryDirectory.appendingPathComponent("rslab-slurm-\(UUID().uuidString).log")
    FileManager.default.createFile(atPath: log.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: log) }
    let handle = try FileHandle(forWritingTo: log)
    defer { try? handle.close() }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = argv
    p.standardInput = FileHandle.nullDevice
    p.standardOutput = handle
    p.standardError = handle
    try p.run()
    p.waitUntilExit()
    return (p.terminationStatus, (try? String(contentsOf: log, encoding: .utf8)) ?? "")
  }
}
