import Foundation
import XCTest
@testable import Interpreter

/// Runs scripts/rs_ssl_benchmark.rsl in its `--quick` mode (tiny budget, about half a minute)
/// so that CI notices when the benchmark stops covering a setting, a method or a column.
final class RSSLBenchmarkScriptTests: XCTestCase {
  func testQuickBenchmarkCoversEverySettingAndRebuildsItsTable() throws {
    let source = try repositoryText("scripts/rs_ssl_benchmark.rsl")
    let dir = NSTemporaryDirectory() + "rslab-rs-ssl-quick-\(getpid())"
    defer { try? FileManager.default.removeItem(atPath: dir) }
    func run(_ args: [String]) throws -> String {
      var out = ""
      let s = Session(output: { out += $0 }, imageSink: { _ in })
      s.scriptArguments = args
      _ = try s.run(source, file: "rs_ssl_benchmark.rsl")
      return out
    }
    let out = try run(["--quick", "--out", dir])
    XCTAssertTrue(out.contains("SMOKE RUN"), out)
    let csv = try String(contentsOfFile: dir + "/runs-seed0.csv", encoding: .utf8)
    let lines = csv.split(separator: "\n")
    // 2 baselines + 3 ratios x 7 methods + 1 added ratio x 2 + multigen x 4.
    XCTAssertEqual(lines.count, 1 + 2 + 21 + 2 + 4, csv)
    XCTAssertTrue(lines[0].hasPrefix("setting,seed,ratio,method,steps,test_acc,det_auc,det_auc_cvae,det_auc_gan,"), csv)
    let table = try String(contentsOfFile: dir + "/table.md", encoding: .utf8)
    for method in ["fixmatch", "flexmatch", "freematch", "softmatch", "rsmatch", "openmatch", "iomatch"] {
      XCTAssertTrue(table.contains("| contaminated | 0.5 | \(method) |"), method)
    }
    XCTAssertTrue(table.contains("| baseline | 0 | supervised |") && table.contains("| baseline | 0 | fixmatch_real |"), table)
    XCTAssertTrue(table.contains("| added | 0.5 | rsmatch |"), table)
    // Multigen RSMatch has a detector AUC per generator (two numbers, not "-").
    let multigen = table.split(separator: "\n").first { $0.hasPrefix("| multigen | 0.5 | rsmatch |") }
    let cells = multigen.map { $0.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) } } ?? []
    XCTAssertEqual(cells.count, 9, table)
    if cells.count == 9 { XCTAssertTrue(cells[5].contains(" / ") && !cells[5].hasPrefix("-"), cells[5]) }
    XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/curves.png"))
    // --report rebuilds the same table from the seed files without training.
    _ = try run(["--quick", "--out", dir, "--report"])
    let rebuilt = try String(contentsOfFile: dir + "/table.md", encoding: .utf8)
    func body(_ t: String) -> [Substring] { t.split(separator: "\n").filter { $0.hasPrefix("| ") } }
    XCTAssertEqual(body(rebuilt), body(table))
  }
}
