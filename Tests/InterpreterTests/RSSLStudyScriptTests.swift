import Foundation
import XCTest
@testable import Interpreter

/// Runs cells of scripts/rs_ssl/study.rsl at a tiny budget — each generator mode with RSMatch
/// in the added design, the upper-bound arm, the contaminated design and the generator
/// measurement — so CI notices when the study's script stops running. The numbers are not results.
final class RSSLStudyScriptTests: XCTestCase {
  func testEveryGeneratorModeAndTheUpperBoundRunAtATinyBudget() throws {
    let source = try repositoryText("scripts/rs_ssl/study.rsl")
    let dir = NSTemporaryDirectory() + "rslab-rs-ssl-study-\(getpid())"
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let tiny = ["steps=3", "batch=8", "mu=2", "width=4", "per_class=2", "real=40", "unlabeled=80", "test=50",
                "eval_every=3", "gen_steps=2", "gan_steps=2", "gen_images=64", "cache=\(dir)"]
    func run(_ args: [String]) throws -> String {
      var out = ""
      let s = Session(output: { out += $0 }, imageSink: { _ in })
      s.scriptArguments = tiny + args
      _ = try s.run(source, file: "study.rsl")
      return out
    }
    for generator in ["cvae_prior", "cvae_posterior", "gan"] {
      let out = try run(["arm=rsmatch_RS", "generator=\(generator)"])
      XCTAssertTrue(out.contains("sweep_record: {arm: \"rsmatch_RS\", generator: \"\(generator)\", design: \"added\""), out)
      XCTAssertTrue(out.contains("n_real: 40, n_syn: 40"), out)
      XCTAssertFalse(out.contains("routed_syn_real: nil") || out.contains("det_auc: nil"), out)
    }
    XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/cvae-2-steps-64-images.safetensors"))
    let upper = try run(["arm=fixmatch_R_plus_sources", "generator=cvae_posterior", "valid=30"])
    XCTAssertTrue(upper.contains("eval: \"valid_acc\"") && upper.contains("routed_syn_real: nil"), upper)
    // The upper bound's unlabeled set is all real: no synthetic mask rate.
    XCTAssertTrue(upper.contains("mask_syn: nan"), upper)
    let contaminated = try run(["arm=rsmatch_oracle_drop", "generator=gan", "design=contaminated", "ratio=0.5"])
    XCTAssertTrue(contaminated.contains("n_real: 40, n_syn: 40") && contaminated.contains("routed_syn_real: 0,"), contaminated)
    XCTAssertThrowsError(try run(["arm=fixmatch_R_plus_sources", "generator=gan"])) { e in
      XCTAssertTrue("\(e)".contains("needs generator cvae_posterior"), "\(e)")
    }
    XCTAssertThrowsError(try run(["arms=rsmatch_RS"])) { e in XCTAssertTrue("\(e)".contains("'arms', which is not among the script's defaults"), "\(e)") }
    let measured = try run(["task=generators", "judge_steps=2", "auc_steps=2", "faith_per_class=6", "auc_images=30"])
    for mode in ["cvae_prior", "cvae_posterior", "gan"] {
      XCTAssertTrue(measured.contains("\(mode): faithfulness "), measured)
    }
  }
}

/// scripts/rs_ssl/conclusion.rsl applies the pre-registered decision rules to cell files:
/// checked on hand-made cells whose differences put each rule on a known side.
final class RSSLConclusionScriptTests: XCTestCase {
  func testVerdictsFollowTheDecisionRules() throws {
    let root = NSTemporaryDirectory() + "rslab-rs-ssl-conclusion-\(getpid())"
    defer { try? FileManager.default.removeItem(atPath: root) }
    var index = 0
    func cell(_ folder: String, _ arm: String, _ seed: Int, _ generator: String, _ acc: Double, auc: Double? = nil) throws {
      let dir = "\(root)/\(folder)/cells"
      try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
      let metrics = """
        {"arm": "\(arm)", "generator": "\(generator)", "design": "added", "ratio": 0.5, "seed": \(seed), "acc": \(acc), \
        "mask_real": 0.6, "mask_syn": \(arm.hasSuffix("_R") ? "NaN" : "0.5"), "det_auc": \(auc.map { "\($0)" } ?? "null")}
        """.replacingOccurrences(of: "NaN", with: "null")
      let doc = """
        {"format": "rslab-sweep-cell/1", "sweep": "t", "index": \(index), "cell": "c\(index)", \
        "axes": {"arm": "\(arm)", "seed": \(seed)}, "seed": \(seed), "parameters": {}, "metrics": \(metrics), "wall_seconds": 1}
        """
      try doc.write(toFile: "\(dir)/c\(index).json", atomically: true, encoding: .utf8)
      index += 1
    }
    for s in 0..<4 {
      let base = 0.70 + Double(s) * 0.01
      // Main regime: R+S adds 0.1 points to FixMatch (claim 1 supported: no point of benefit);
      // RSMatch 2.9-3.1 points above FixMatch(R+S) and 3.0-3.2 above FixMatch(R) (claim 3 supported).
      // Seeds 0-2 in main/, seed 3 in main-more/ (the added seeds): the differences pair all four.
      let main = s < 3 ? "main" : "main-more"
      try cell(main, "fixmatch_R", s, "cvae_posterior", base)
      try cell(main, "fixmatch_RS", s, "cvae_posterior", base + 0.001 + Double(s) * 0.0001)
      try cell(main, "rsmatch_RS", s, "cvae_posterior", base + 0.03 + Double(s) * 0.0002, auc: 0.95 + Double(s) * 0.01)
      if s == 3 { continue }
      // The upper bound on seeds 0-2 only: 0.5, 0.6, 0.7 points above FixMatch(R) (a mechanism row, no verdict).
      try cell(main, "fixmatch_R_plus_sources", s, "cvae_posterior", base + 0.005 + Double(s) * 0.001)
      // gan regime: RSMatch - FixMatch(R+S) is -0.5, 0.0, +0.4 points: inconclusive with three seeds.
      try cell("regimes", "fixmatch_RS", s, "gan", base)
      try cell("regimes", "fixmatch_R", s, "gan", base + 0.02)
      try cell("regimes", "rsmatch_RS", s, "gan", base + [-0.005, 0.0, 0.004][s], auc: 0.80 + Double(s) * 0.001)
    }
    let source = try repositoryText("scripts/rs_ssl/conclusion.rsl")
    var out = ""
    let session = Session(output: { out += $0 }, imageSink: { _ in })
    session.scriptArguments = ["root=\(root)", "figures=\(root)/figures"]
    _ = try session.run(source, file: "conclusion.rsl")
    for figure in ["cvae_posterior_added_0.5", "gan_added_0.5", "all_regimes_1", "all_regimes_3a", "all_regimes_3b"] {
      XCTAssertTrue(FileManager.default.fileExists(atPath: "\(root)/figures/\(figure).png"), "\(figure) drawn")
    }
    func verdict(_ regime: String, _ claim: String, _ what: String) -> String? {
      out.split(separator: "\n").first { $0.hasPrefix("| \(regime) | \(claim) | \(what)") }
        .map { String($0.split(separator: "|").last!).trimmingCharacters(in: .whitespaces) }
    }
    XCTAssertEqual(verdict("cvae_posterior added 0.5", "1", "fixmatch(R+S)"), "supported", out)
    XCTAssertEqual(verdict("cvae_posterior added 0.5", "2", "detector AUC"), "supported", out)
    XCTAssertEqual(verdict("cvae_posterior added 0.5", "3a", "rsmatch(R+S) − fixmatch(R+S)"), "supported", out)
    XCTAssertEqual(verdict("cvae_posterior added 0.5", "3", "all parts"), "**supported**", out)
    XCTAssertEqual(verdict("gan added 0.5", "1", "fixmatch(R+S)"), "supported (hurt)", out)
    XCTAssertEqual(verdict("gan added 0.5", "2", "detector AUC"), "not supported", out)
    XCTAssertEqual(verdict("gan added 0.5", "3a", "rsmatch(R+S) − fixmatch(R+S)"), "inconclusive", out)
    XCTAssertEqual(verdict("gan added 0.5", "3b", "rsmatch(R+S) − fixmatch(R)"), "not supported", out)
    XCTAssertEqual(verdict("gan added 0.5", "3", "all parts"), "**not supported**", out)
    XCTAssertTrue(out.contains("| cvae_posterior added 0.5 | 3b | rsmatch(R+S) − fixmatch(R) | +3.03 ["), out)
    XCTAssertTrue(out.contains("(n=4, half-width"), out)
    XCTAssertTrue(out.contains("| the real sources of S added to R | fixmatch_R_plus_sources − fixmatch_R | +0.60 ["), out)
    XCTAssertEqual(out.components(separatedBy: "| mechanism (no verdict) |").count, 2, "only the regime with both arms of a pair gets the table")
    // The claim × regime table repeats the FixMatch verdicts with typographic minus signs, one line per regime.
    let gan = out.split(separator: "\n").filter { $0.hasPrefix("| gan added 0.5 | 3 | ") && !$0.contains("all parts") }
    XCTAssertEqual(gan.count, 2, "a conclusion line and a mechanism line: \(out)")
    XCTAssertTrue(gan.first?.hasPrefix("| gan added 0.5 | 3 | −2.00 [−2.00, −2.00] supported (hurt) | 0.801 [") ?? false, out)
    XCTAssertTrue(gan.first?.contains("] inconclusive | ") ?? false, "3a: \(out)")
    XCTAssertTrue(gan.first?.hasSuffix("] not supported | **not supported** |") ?? false, "3b and 3: \(out)")
    XCTAssertTrue(gan.last?.hasSuffix("| — |") ?? false, "no oracle arm, no oracle difference: \(out)")
  }
}

/// The study's numbers in docs/results.md and the README are the ones conclusion.rsl computes
/// from the committed cell files: a table edited by hand, or a cell changed after the text was
/// written, fails here.
final class RSSLStudyRecordTests: XCTestCase {
  /// What conclusion.rsl prints for the committed cells.
  private func conclusion() throws -> String {
    var out = ""
    let session = Session(output: { out += $0 }, imageSink: { _ in })
    session.scriptArguments = ["root=\(repositoryPath("docs/results/rs-ssl-study"))"]
    _ = try session.run(try repositoryText("scripts/rs_ssl/conclusion.rsl"), file: "conclusion.rsl")
    return out
  }

  /// The part of `text` from the heading that starts with `heading` to the next heading.
  private func section(_ text: String, _ heading: String) throws -> Substring {
    let start = try XCTUnwrap(text.range(of: "### \(heading)"), "no heading \(heading)")
    return Substring(text[start.lowerBound...].components(separatedBy: "\n### ")[0])
  }

  private func tableLines(_ text: Substring) -> [Substring] {
    text.split(separator: "\n").filter { $0.hasPrefix("|") }
  }

  func testMainComparisonInTheDocsIsWhatTheCellFilesGive() throws {
    let out = try conclusion()
    let step2 = try section(try repositoryText("docs/results.md"), "Step 2: the main comparison")
    // Prose is reflowed freely: compare it with its line breaks as spaces.
    let readme = try repositoryText("README.md").split(whereSeparator: \.isWhitespace).joined(separator: " ")
    // "| cvae_posterior added 0.5 | 3b | rsmatch(R+S) − fixmatch(R) | -0.22 [-0.65, +0.21] (n=15, ...) | not supported |"
    let rows = tableLines(try section(out, "Verdicts")).filter { $0.hasPrefix("| cvae_posterior added 0.5 | ") }
    XCTAssertEqual(rows.count, 9, out)
    for row in rows where !row.contains("all parts") {
      let cells = row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
      let interval = String(cells[3].prefix { $0 != "(" }).trimmingCharacters(in: .whitespaces)
        .replacingOccurrences(of: "-", with: "−")
      let verdict = cells[4].replacingOccurrences(of: "*", with: "")
      let line = step2.split(separator: "\n").first { $0.contains("| \(interval) |") }
      XCTAssertNotNil(line, "docs/results.md's main comparison lacks \(interval) (\(row))")
      let written = line?.split(separator: "|").last.map { $0.replacingOccurrences(of: "*", with: "").trimmingCharacters(in: .whitespaces) }
      XCTAssertEqual(written, verdict, "\(row)")
      XCTAssertTrue(cells[3].contains("(n=15"), "the main comparison's verdicts use 15 seeds: \(row)")
    }
    XCTAssertTrue(out.contains("key half-widths 0.57 and 0.43 points against the target 0.6: reached"), out)
    for quoted in ["+0.04 [−0.54, +0.61]", "−0.22 [−0.65, +0.21]", "0.941 [0.927, 0.955]", "+0.40 [−0.12, +0.92]"] {
      XCTAssertTrue(readme.contains(quoted), "README quotes \(quoted)")
    }
  }

  /// The claim × regime table and the mechanism per regime in docs/results.md are conclusion.rsl's,
  /// line for line, over every regime at its planned seeds: 15 in the main comparison, 5 elsewhere.
  func testConclusionTableInTheDocsIsWhatTheCellFilesGive() throws {
    let out = try conclusion()
    let docs = tableLines(try section(try repositoryText("docs/results.md"), "Step 3: "))
    for heading in ["Conclusion: claim × regime", "Mechanism per regime"] {
      let lines = tableLines(try section(out, heading))
      XCTAssertEqual(lines.count, 2 + 9, "a header, a rule and nine regimes: \(lines)")
      for line in lines {
        XCTAssertTrue(docs.contains(line), "docs/results.md's Step 3 lacks \(line)")
      }
      for line in lines.dropFirst(2) {
        let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        XCTAssertEqual(cells[1], cells[0] == "cvae_posterior added 0.5" ? "15" : "5", "\(line)")
      }
    }
  }
}
