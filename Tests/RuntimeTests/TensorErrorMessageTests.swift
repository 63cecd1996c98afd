import XCTest
@testable import Runtime
import TestSupport

/// The remaining user-facing error messages of the tensor ops, verbatim.
final class TensorErrorMessageTests: XCTestCase {
  func expect(_ message: String, _ body: () throws -> Any, line: UInt = #line) {
    XCTAssertThrowsError(try body(), line: line) { e in XCTAssertEqual("\(e)", message, line: line) }
  }

  func testMessages() {
    let m = Tensor(zeros: [2, 3])
    expect("flatten: axis 2 is out of range for a tensor of rank 2") { try m.flatten(from: 2) }
    expect("unsqueeze: axis 4 is out of range for a tensor of rank 3") { try m.unsqueeze(4) }
    expect("squeeze: dimension 0 of shape [2, 3] is not 1") { try m.squeeze(0) }
    expect("permute: [0] is not a permutation of the 2 dimensions of shape [2, 3]") { try m.permute([0]) }
    expect("permute: axis 5 is out of range for a tensor of rank 2") { try m.permute([0, 5]) }
    expect("indexSelect: axis -3 is out of range for a tensor of rank 2") { try m.indexSelect([0], axis: -3) }
    expect("softmax: axis 2 is out of range for a tensor of rank 2") { try m.softmax(axis: 2) }
    expect("logSoftmax: axis 1 is out of range for a tensor of rank 0") { try Tensor(scalar: 1).logSoftmax(axis: 1) }
    expect("oneHot: the number of classes must be positive, got 0") { try Tensor.oneHot([0], classes: 0) }
    expect("variance: axis 3 is out of range for a tensor of rank 2") { try m.variance(axis: 3) }
    expect("stack: axis 3 is out of range for a tensor of rank 3") { try Tensor.stack([m], axis: 3) }
    expect("stack: needs at least one tensor") { try Tensor.stack([]) }
    expect("concat: cannot concatenate scalars (use stack)") { try Tensor.concat([Tensor(scalar: 1)], axis: 0) }
    expect("setIndex: too many indices (3) for a tensor of rank 2") { try m.setIndex([.all, .all, .index(0)], value: 1) }
    expect("eye: negative dimension -2 in shape [-2, -2]") { try Tensor.eye(-2) }
    expect("full: negative dimension -1 in shape [-1]") { try Tensor.full([-1], 3) }
    expect("arange: 1e+100 elements is too many") { try Tensor.arange(0, 1e100, 1) }
    expect("lt: shapes [2, 3] and [2] cannot be broadcast together") { try m.lt(Tensor(zeros: [2])) }
    expect("mod: shapes [2, 3] and [2] cannot be broadcast together") { try m % Tensor(zeros: [2]) }
  }
}
