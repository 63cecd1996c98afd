import XCTest
@testable import Runtime

final class TicksTests: XCTestCase {
  func testDecimalRange() {
    let t = Ticks(min: 0.13, max: 0.87)
    XCTAssertEqual(t.labels, ["0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7", "0.8", "0.9"])
    XCTAssertEqual(t.lo, 0.1, accuracy: 1e-12)
    XCTAssertEqual(t.hi, 0.9, accuracy: 1e-12)
    XCTAssertEqual(t.step, 0.1, accuracy: 1e-12)
    XCTAssertEqual(t.labels.first, "0.1")
    XCTAssertEqual(t.labels.last, "0.9")
  }

  func testLabelsHaveNoFloatingPointNoise() {
    let t = Ticks(min: 0, max: 0.3, target: 3)
    XCTAssertEqual(t.labels, ["0.0", "0.1", "0.2", "0.3"])
    let u = Ticks(min: -0.35, max: 0.02, target: 4)
    XCTAssertEqual(u.labels, ["-0.4", "-0.3", "-0.2", "-0.1", "0.0", "0.1"])
  }

  func testStepsAreOneTwoOrFiveTimesAPowerOfTen() {
    XCTAssertEqual(Ticks(min: 0, max: 1000, target: 6).values, [0, 200, 400, 600, 800, 1000])
    XCTAssertEqual(Ticks(min: 0, max: 1000, target: 6).labels, ["0", "200", "400", "600", "800", "1000"])
    XCTAssertEqual(Ticks(min: 3, max: 47, target: 5).values, [0, 10, 20, 30, 40, 50])
    XCTAssertEqual(Ticks(min: 0, max: 2.3, target: 5).values, [0, 0.5, 1, 1.5, 2, 2.5])
    var rng = RNG(seed: 11)
    for trial in 0..<500 {
      let a = Double(rng.normal()) * pow(10, Double(rng.int(below: 20)) - 10)
      let b = a + abs(Double(rng.normal())) * pow(10, Double(rng.int(below: 20)) - 10)
      let t = Ticks(min: a, max: b)
      let m = t.step / pow(10, floor(log10(t.step)))
      XCTAssertTrue([1, 2, 5].contains { abs(m - Double($0)) < 1e-9 }, "trial \(trial): step \(t.step)")
      // Bounds within 1e-9 step of a tick snap to it (absorbs rounding in a / step).
      XCTAssertLessThanOrEqual(t.lo, a + 1e-9 * t.step, "trial \(trial)")
      XCTAssertGreaterThanOrEqual(t.hi, b - 1e-9 * t.step, "trial \(trial)")
      XCTAssertTrue((2...13).contains(t.values.count), "trial \(trial): \(t.values.count) ticks for [\(a), \(b)]")
      XCTAssertEqual(Set(t.labels).count, t.labels.count, "trial \(trial): duplicate labels \(t.labels)")
      XCTAssertEqual(t.values, t.values.sorted(), "trial \(trial)")
    }
  }

  func testTinyAndHugeRangesUseScientificLabels() {
    let tiny = Ticks(min: 1e-7, max: 5e-7)
    XCTAssertEqual(tiny.labels, ["1e-07", "2e-07", "3e-07", "4e-07", "5e-07"])
    let huge = Ticks(min: 0, max: 3e9, target: 3)
    XCTAssertEqual(huge.labels, ["0", "1e+09", "2e+09", "3e+09"])
    let mid = Ticks(min: 1.5e-7, max: 2.5e-7, target: 2)
    XCTAssertTrue(mid.labels.contains("1.5e-07"), "\(mid.labels)")
  }

  func testConstantAndNonFiniteData() {
    let c = Ticks(min: 5, max: 5)
    XCTAssertLessThan(c.lo, 5)
    XCTAssertGreaterThan(c.hi, 5)
    XCTAssertTrue(c.values.contains(5))
    let z = Ticks(min: 0, max: 0)
    XCTAssertLessThan(z.lo, 0)
    XCTAssertGreaterThan(z.hi, 0)
    let none = Ticks(min: .nan, max: .nan)
    XCTAssertEqual(none.lo, 0)
    XCTAssertEqual(none.hi, 1)
    let half = Ticks(min: .nan, max: 3)
    XCTAssertTrue(half.values.contains(3))
    let inf = Ticks(min: -.infinity, max: .infinity)
    XCTAssertEqual(inf.values.count, 6)
  }

  func testIntegerTicksNeverStepBelowOne() {
    XCTAssertEqual(Ticks(min: 0, max: 3, target: 10, integer: true).values, [0, 1, 2, 3])
    XCTAssertEqual(Ticks(min: 0, max: 0, integer: true).step, 1)
  }

  func testDecadesForLogAxes() {
    let t = Ticks.decades(minLog: log10(0.023), maxLog: log10(2.3))
    XCTAssertEqual(t.values, [-2, -1, 0, 1])
    XCTAssertEqual(t.labels, ["0.01", "0.1", "1", "10"])
    let wide = Ticks.decades(minLog: -12, maxLog: 6)
    XCTAssertLessThanOrEqual(wide.values.count, 11)
    XCTAssertTrue(wide.labels.contains("1e-10"), "\(wide.labels)")
    XCTAssertEqual(Ticks.decades(minLog: 2, maxLog: 2).values, [2, 3])
    XCTAssertEqual(Ticks.decades(minLog: .nan, maxLog: .nan).values, [0, 1])
  }
}
