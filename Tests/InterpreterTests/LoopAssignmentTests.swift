import Foundation
import Interpreter
import XCTest

/// A range loop inside a function whose body is one assignment to a local runs that
/// assignment itself, and adds in place for an accumulator (`s = s + e`). The shortcut must
/// be invisible: the same values, operand order, fallbacks to globals, error locations,
/// step counting and Ctrl-C as the general statement path.
final class LoopAssignmentTests: XCTestCase {
  func testAccumulatorsAndAssignmentsGiveTheGeneralPathsValues() throws {
    let s = Session()
    _ = try s.run("""
      fn g(x) x * 2 + 1 end
      fn numbers()
        s = 0
        for i in 0..1000 s = s + g(i) % 7 end
        s
      end
      fn strings()
        s = ""
        for i in 0..3 s = s + "ab" end
        s
      end
      fn lists()
        s = []
        for i in 0..3 s = s + [i] end
        s
      end
      fn last()
        x = -1
        for i in 0..4 x = i * i end
        x
      end
      fn over_list()
        s = 0
        for v in [1, 2, 3] s = s + v end
        s
      end
      fn tensor()
        s = zeros([2])
        for i in 0..3 s = s + ones([2]) end
        s
      end
      fn empty()
        s = 5
        for i in 3..3 s = s + 1 end
        s
      end
      """, file: "<test>")
    var expected = 0.0
    for i in 0..<1000 { expected += Double((i * 2 + 1) % 7) }
    XCTAssertEqual(rsl(s, "numbers()"), "\(Int(expected))")
    XCTAssertEqual(rsl(s, "strings()"), "\"ababab\"")
    XCTAssertEqual(rsl(s, "lists()"), "[0, 1, 2]")
    XCTAssertEqual(rsl(s, "last()"), "9")
    XCTAssertEqual(rsl(s, "over_list()"), "6")
    XCTAssertEqual(rsl(s, "tensor()"), rsl(s, "ones([2]) * 3"))
    XCTAssertEqual(rsl(s, "empty()"), "5")
  }

  func testAnUnsetAccumulatorReadsTheGlobalFirst() throws {
    let s = Session()
    _ = try s.run("""
      total = 100
      fn f()
        for i in 0..3 total = total + i end
        total
      end
      """, file: "<test>")
    XCTAssertEqual(rsl(s, "f()"), "103")
    XCTAssertEqual(rsl(s, "total"), "100")
  }

  func testErrorsKeepTheirLocations() throws {
    let s = Session()
    _ = try s.run("""
      fn bad_add()
        s = 0
        for i in 0..3 s = s + nil end
      end
      fn bad_call()
        s = 0
        for i in 0..3 s = s + nope(i) end
      end
      fn bad_value()
        x = 0
        for i in 0..3 x = i / nil end
      end
      """, file: "<test>")
    XCTAssertThrowsError(try s.run("bad_add()", file: "<test>")) { error in
      XCTAssertEqual((error as? Diagnostic)?.header, "<test>:3:23: error: bad operand types for +: number and nil")
    }
    XCTAssertThrowsError(try s.run("bad_call()", file: "<test>")) { error in
      XCTAssertTrue((error as? Diagnostic)?.header.hasPrefix("<test>:7:25: error: undefined variable 'nope'") == true, "\(error)")
    }
    XCTAssertThrowsError(try s.run("bad_value()", file: "<test>")) { error in
      XCTAssertEqual((error as? Diagnostic)?.header, "<test>:11:23: error: bad operand types for /: number and nil")
    }
  }

  func testStepsAndInterruptsAreCountedEachIteration() throws {
    let s = Session()
    _ = try s.run("""
      fn f()
        s = 0
        for i in 0..1000000 s = s + i end
        s
      end
      fn spin()
        s = 0
        for i in 0..1000000000000 s = s + i end
        s
      end
      """, file: "<test>")
    var limits = Limits()
    limits.maxSteps = 1000
    s.limits = limits
    XCTAssertThrowsError(try s.run("f()", file: "<test>")) { error in
      XCTAssertEqual((error as? Diagnostic)?.message, "step limit of 1000 exceeded")
    }
    s.limits = Limits()
    XCTAssertEqual(rsl(s, "f()"), "499999500000")
    interrupt(s, after: 0.2)
    XCTAssertThrowsError(try s.run("spin()", file: "<test>")) { error in
      XCTAssertEqual((error as? Diagnostic)?.message, "interrupted")
    }
  }
}
