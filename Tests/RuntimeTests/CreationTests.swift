import XCTest
@testable import Runtime
import TestSupport

final class CreationTests: XCTestCase {
  func testConstructors() throws {
    XCTAssertEqual(try Tensor.zeros([2, 2]).values, [0, 0, 0, 0])
    XCTAssertEqual(try Tensor.ones([3]).values, [1, 1, 1])
    XCTAssertEqual(try Tensor.full([2], 2.5).values, [2.5, 2.5])
    XCTAssertEqual(try Tensor.arange(4).values, [0, 1, 2, 3])
    XCTAssertEqual(try Tensor.arange(1, 2, 0.25).values, [1, 1.25, 1.5, 1.75])
    XCTAssertEqual(try Tensor.arange(3, 0, -1).values, [3, 2, 1])
    XCTAssertEqual(try Tensor.arange(3, 0).count, 0)
    XCTAssertEqual(try Tensor.eye(2).values, [1, 0, 0, 1])
    var a = RNG(seed: 4), b = RNG(seed: 4)
    XCTAssertEqual(try Tensor.randn([5], rng: &a).values, try Tensor.randn([5], rng: &b).values)
    let u = try Tensor.rand([1000], rng: &a).values
    XCTAssertTrue(u.allSatisfy { $0 >= 0 && $0 < 1 })
    XCTAssertEqual(Double(u.reduce(0, +)) / 1000, 0.5, accuracy: 0.05)
  }

  func testConstructorErrors() {
    XCTAssertThrowsError(try Tensor.zeros([2, -1])) { e in
      XCTAssertEqual("\(e)", "zeros: negative dimension -1 in shape [2, -1]")
    }
    XCTAssertThrowsError(try Tensor.arange(0, 1, 0)) { e in
      XCTAssertEqual("\(e)", "arange: start, end and step must be finite and step nonzero (got 0.0, 1.0, 0.0)")
    }
    XCTAssertThrowsError(try Tensor.ones([1 << 40, 1 << 40])) { e in
      XCTAssertTrue("\(e)".hasPrefix("ones:"), "\(e)")
    }
  }
}
