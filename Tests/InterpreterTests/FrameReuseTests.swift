import Interpreter
import XCTest

/// A finished call's frame is reused by the next call of the same function unless a
/// closure captured it. Reuse must be invisible: captured frames stay private, locals start
/// unassigned, results do not leak from one call into the next.
final class FrameReuseTests: XCTestCase {
  func testCapturedFramesAreNotReused() throws {
    let s = Session()
    _ = try s.run("""
      fn make(v)
        fn() v end
      end
      fn counter()
        box = [0]
        fn()
          box[0] = box[0] + 1
          box[0]
        end
      end
      a = make(1)
      b = make(2)
      c = counter()
      d = counter()
      """, file: "<test>")
    XCTAssertEqual(rsl(s, "[a(), b(), a()]"), "[1, 2, 1]")
    XCTAssertEqual(rsl(s, "[c(), c(), d(), c(), d()]"), "[1, 2, 1, 3, 2]")
  }

  func testLocalsStartUnassignedAndResultsDoNotLeak() throws {
    let s = Session()
    _ = try s.run("""
      x = "global"
      fn h(first)
        if first
          x = 1
        end
        x
      end
      fn twice(first)
        if first
          x = 4
        end
        [x * 2, x + x, x == x]
      end
      fn q(flag)
        if flag
          return 5
        end
      end
      """, file: "<test>")
    // The second call's `x` is unassigned again, so it reads the global.
    XCTAssertEqual(rsl(s, "[h(true), h(false), h(true)]"), "[1, \"global\", 1]")
    XCTAssertEqual(rsl(s, "[q(true), q(false)]"), "[5, nil]")
    // Operands read a local's slot in place only when it holds a number; unassigned, they
    // fall back to the global like any read.
    XCTAssertEqual(rsl(s, "[twice(true), twice(false)]"),
                   "[[8, 8, true], [\"globalglobal\", \"globalglobal\", true]]")

  }

  func testRecursionDefaultsAndErrorsWithReusedFrames() throws {
    let s = Session()
    _ = try s.run("""
      fn fib(n)
        if n < 2
          return n
        end
        fib(n - 1) + fib(n - 2)
      end
      fn k(a, b: a * 2) a + b end
      fn inv(x) 1 / x end
      """, file: "<test>")
    XCTAssertEqual(rsl(s, "fib(15)"), "610")
    XCTAssertEqual(rsl(s, "[k(1), k(2, b: 0), k(3)]"), "[3, 2, 9]")
    XCTAssertThrowsError(try s.run("inv(0)", file: "<test>")) { error in
      XCTAssertTrue("\(error)".contains("division by zero"), "\(error)")
    }
    XCTAssertEqual(rsl(s, "inv(4)"), "0.25")
  }
}
