import Foundation
import XCTest

/// Runs sweeps/rs-ssl-quick.yaml (the benchmark's every setting and method, one seed, a tiny
/// budget) through `rslab sweep run`, so that CI notices when the benchmark stops covering a
/// setting, a method or a metric, and checks that the long-budget comparison's sweep file
/// reports the paired difference RSMatch − FixMatch with its confidence interval.
final class RSSLBenchmarkSweepTests: XCTestCase {
  static var root: String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
  }

  func testQuickSweepCoversEverySettingAndMethod() throws {
    let out = try makeTemporaryFolder(self) + "/quick"
    let run = try RSLabBinary.run(["sweep", "run", "sweeps/rs-ssl-quick.yaml", "--out", out], directory: RSSLBenchmarkSweepTests.root, timeout: 600)
    XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
    XCTAssertTrue(run.stdout.contains("29 of 29 cells done, 0 failed"), run.stdout)
    // The generators were trained once each (under their locks) and reused by every cell.
    let logs = try FileManager.default.contentsOfDirectory(atPath: out + "/logs").map { try String(contentsOfFile: out + "/logs/" + $0, encoding: .utf8) }
    XCTAssertEqual(logs.filter { $0.contains("generator cvae: trained") }.count, 1)
    XCTAssertEqual(logs.filter { $0.contains("generator gan: trained") }.count, 1)
    let report = try RSLabBinary.run(["sweep", "report", "sweeps/rs-ssl-quick.yaml", "--out", out], directory: RSSLBenchmarkSweepTests.root)
    XCTAssertEqual(report.status, 0, report.stderr)
    let table = try String(contentsOfFile: out + "/table.md", encoding: .utf8)
    for method in ["fixmatch", "flexmatch", "freematch", "softmatch", "rsmatch", "openmatch", "iomatch"] {
      XCTAssertTrue(table.contains("| contaminated | 0.5 | \(method) | 1 |"), method)
    }
    XCTAssertTrue(table.contains("| baseline | 0 | supervised | 1 |") && table.contains("| baseline | 0 | fixmatch_real | 1 |"), table)
    XCTAssertTrue(table.contains("| added | 0.5 | rsmatch | 1 |"), table)
    // Multigen RSMatch has a detector AUC per generator (numbers, not "-").
    let multigen = table.split(separator: "\n").first { $0.hasPrefix("| multigen | 0.5 | rsmatch |") }
    let cells = multigen.map { $0.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) } } ?? []
    XCTAssertEqual(cells.count, 10, table)
    if cells.count == 10 { XCTAssertNotEqual(cells[6], "-"); XCTAssertNotEqual(cells[7], "-") }
    let csv = try String(contentsOfFile: out + "/runs.csv", encoding: .utf8)
    XCTAssertTrue(csv.hasPrefix("index,cell,setting,ratio,method,seed,test_acc,det_auc,det_auc_cvae,det_auc_gan,"), csv)
    XCTAssertEqual(csv.split(separator: "\n").count, 1 + 29)
    XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/plots/setting=contaminated_ratio=0.5_method=rsmatch.png"))
  }

  func testLongBudgetComparisonReportsThePairedDifference() throws {
    // The long-budget sweep file itself, at a tiny budget (--set) and two seeds.
    let out = try makeTemporaryFolder(self) + "/long"
    let sets = ["steps=6", "gen_steps=20", "gen_images=500", "per_class=2", "unlabeled=200", "width=4", "batch=8",
                "mu=1", "test=200", "eval_every=3"].flatMap { ["--set", $0] }
    let run = try RSLabBinary.run(["sweep", "run", "sweeps/rs-ssl-long.yaml", "--out", out] + sets, directory: RSSLBenchmarkSweepTests.root, timeout: 300)
    XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
    XCTAssertTrue(run.stdout.contains("12 of 12 cells done"), run.stdout)
    let report = try RSLabBinary.run(["sweep", "report", "sweeps/rs-ssl-long.yaml", "--out", out] + sets, directory: RSSLBenchmarkSweepTests.root)
    XCTAssertEqual(report.status, 0, report.stderr)
    let line = report.stdout.split(separator: "\n").first { $0.hasPrefix("| rsmatch | test_acc | 6 | s0: ") }
    XCTAssertNotNil(line, report.stdout)
    // mean d, a [low, high] interval, t and p.
    XCTAssertEqual(line.map { $0.split(separator: "|").count } ?? 0, 8, report.stdout)
    XCTAssertTrue(line?.contains("[") == true, report.stdout)
  }
}
