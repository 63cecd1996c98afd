import XCTest
@testable import Runtime
import TestSupport

final class DescriptionTests: XCTestCase {
  func testContractExamples() throws {
    XCTAssertEqual("\(Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6]))", "tensor(shape: [2, 3]) [[1, 2, 3], [4, 5, 6]]")
    XCTAssertEqual("\(Tensor(scalar: 3.5))", "tensor(3.5)")
    XCTAssertEqual("\(Tensor(scalar: -2))", "tensor(-2)")
    XCTAssertEqual("\(Tensor(shape: [3], values: [0.1, 1.0 / 3, -2.5]))", "tensor(shape: [3]) [0.1, 0.3333, -2.5]")
    XCTAssertEqual("\(Tensor(zeros: [0]))", "tensor(shape: [0]) []")
    XCTAssertEqual("\(Tensor(zeros: [2, 0]))", "tensor(shape: [2, 0]) [[], []]")
  }

  func testNumberFormatting() {
    XCTAssertEqual(Tensor.format(1e-7), "1e-07")
    XCTAssertEqual(Tensor.format(1.5e-7), "1.5e-07")
    XCTAssertEqual(Tensor.format(123456.78), "123456.7812")
    XCTAssertEqual(Tensor.format(1e20), "1e+20")
    XCTAssertEqual(Tensor.format(-0.00004), "-4e-05")
    XCTAssertEqual(Tensor.format(.nan), "nan")
    XCTAssertEqual(Tensor.format(-.infinity), "-inf")
    XCTAssertEqual(Tensor.format(0.99999), "1")  // rounds at 4 decimals, as NumPy
  }

  func testLargeTensorsAreSummarised() throws {
    let t = try Tensor.arange(1000).reshape([10, 100])
    XCTAssertEqual("\(t)",
      "tensor(shape: [10, 100]) [[0, 1, 2, ..., 97, 98, 99], [100, 101, 102, ..., 197, 198, 199], [200, 201, 202, ..., 297, 298, 299], ..., "
        + "[700, 701, 702, ..., 797, 798, 799], [800, 801, 802, ..., 897, 898, 899], [900, 901, 902, ..., 997, 998, 999]]")
    // Small tensors are shown whole.
    XCTAssertFalse("\(try Tensor.arange(100))".contains("..."))
  }
}
