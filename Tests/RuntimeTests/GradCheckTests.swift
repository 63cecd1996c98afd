import XCTest
@testable import Runtime
import TestSupport

/// The checker itself must be able to fail: a deliberately wrong backward is caught.
final class GradCheckTests: XCTestCase {
  func testDetectsWrongGradient() throws {
    var rng = RNG(seed: 1)
    let x = randomTensor([3, 2], &rng).requiringGrad()
    // Forward x², backward claiming 3x (instead of 2x).
    let r = try gradCheck([x]) { ins in
      let t = ins[0]
      let y = t.values.map { $0 * $0 }
      return Tensor.result(shape: t.shape, storage: Tensor(shape: t.shape, values: y).storage, inputs: [t]) { g in
        [try g.mul(t).mul(3)]
      }
    }
    XCTAssertFalse(r.ok)
    XCTAssertTrue(r.report.contains("analytic"), r.report)
    let good = try gradCheck([x]) { try $0[0].square() }
    XCTAssertTrue(good.ok, good.report)
    XCTAssertLessThan(good.maxError, 1e-3)
  }
}
