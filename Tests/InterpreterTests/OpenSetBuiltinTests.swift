import Foundation
import XCTest
@testable import Interpreter
@testable import Runtime

/// `openmatch(...)` and `iomatch(...)`: options reach the algorithms, bad values are named,
/// and both train through `train` with their extra heads and history columns.
final class OpenSetBuiltinTests: XCTestCase {
  func testOptionsAndErrors() throws {
    let s = Session(output: { _ in })
    XCTAssertEqual(rsl(s, "openmatch().options"), """
      {lambda_em: 0.1, lambda_socr: 0.5, lambda_fix: 1, tau: 0, start_fix: nil, inlier_threshold: 0.5}
      """)
    XCTAssertEqual(rsl(s, "openmatch(lambda_em: 0.2, lambda_socr: 1, lambda_fix: 2, tau: 0.9, start_fix: 7, inlier_threshold: 0.4).options"), """
      {lambda_em: 0.2, lambda_socr: 1, lambda_fix: 2, tau: 0.9, start_fix: 7, inlier_threshold: 0.4}
      """)
    XCTAssertEqual(rsl(s, "iomatch(tau_p: 0.9, tau_q: 0.6, lambda_u: 2, lambda_mb: 0.5, lambda_op: 3, proj_dim: 16, dist_align: true, da_len: 32, open_warmup_steps: 4, inlier_threshold: 0.3).options"), """
      {tau_p: 0.9, tau_q: 0.6, lambda_u: 2, lambda_mb: 0.5, lambda_op: 3, proj_dim: 16, dist_align: true, da_len: 32, open_warmup_steps: 4, inlier_threshold: 0.3}
      """)
    XCTAssertEqual(rsl(s, "iomatch().name"), "\"iomatch\"")
    XCTAssertEqual(errorMessage(s, "openmatch(inlier_threshold: 1)"), "bad argument #6 to 'openmatch' (a value in (0, 1) expected, got 1)")
    XCTAssertEqual(errorMessage(s, "openmatch(start_fix: -1)"), "bad argument #5 to 'openmatch' (non-negative integer expected, got -1)")
    XCTAssertEqual(errorMessage(s, "iomatch(proj_dim: 0)"), "bad argument #6 to 'iomatch' (an integer >= 1 expected, got 0)")
    XCTAssertEqual(errorMessage(s, "iomatch(tau_q: 1.5)"), "bad argument #2 to 'iomatch' (a value in [0, 1] expected, got 1.5)")
  }

  func testBothTrainThroughTheLanguage() throws {
    let s = try toySession(ConformanceScript.Box())
    let quick = "labeled: labeled, unlabeled: unlabeled, steps: 8, batch: 4, mu: 2, eval: test, eval_every: 4"
    rsl(s, "a = train(mlp([64, 16, 2], seed: 0), openmatch(start_fix: 2), \(quick))")
    XCTAssertEqual(rsl(s, "a.steps"), "8")
    XCTAssertEqual(rsl(s, "a.model.heads"), "[\"main\", \"ova\"]")
    XCTAssertEqual(rsl(s, "len(filter(keys(a.history), fn(k) k == \"socr_loss\" or k == \"det_auc\" end))"), "2")
    rsl(s, "b = train(mlp([64, 16, 2], seed: 0), iomatch(proj_dim: 8, open_warmup_steps: 2), \(quick))")
    XCTAssertEqual(rsl(s, "b.model.heads"), "[\"main\", \"proj\", \"mb\", \"open\"]")
    XCTAssertEqual(rsl(s, "b.history.op_loss[-1] >= 0 and len(b.history.q_mask_rate) == 2"), "true")
  }
}
