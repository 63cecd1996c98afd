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
