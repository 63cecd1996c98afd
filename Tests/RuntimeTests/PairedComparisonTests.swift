import XCTest
@testable import Runtime

/// The statistics behind `rslab sweep report`, against scipy 1.x values computed once:
/// `stats.t.cdf`, `stats.t.ppf` and `stats.ttest_rel` (printed with repr, pasted here).
final class PairedComparisonTests: XCTestCase {
  func testStudentTCDFMatchesScipy() {
    let cases: [(df: Double, t: Double, cdf: Double)] = [
      (1, 0.5, 0.6475836176504333), (2, 1.39, 0.8504874950610883), (5, 2.0, 0.9490302605850708),
      (10, -1.2, 0.12889815036215282), (30, 3.5, 0.9992615962811778), (100, 0.01, 0.5039793948827858),
    ]
    for c in cases {
      XCTAssertEqual(StudentT.cdf(c.t, degreesOfFreedom: c.df), c.cdf, accuracy: 1e-12, "df \(c.df) t \(c.t)")
    }
  }

  func testStudentTQuantileMatchesScipy() {
    // stats.t.ppf(0.975, df); STATS.md quotes 2.776 (n = 5) and 2.093 (n = 20).
    let cases: [(df: Double, q: Double)] = [
      (1, 12.706204736174694), (2, 4.302652729749462), (4, 2.7764451051977934),
      (14, 2.144786687917804), (19, 2.0930240544083087),
    ]
    for c in cases {
      XCTAssertEqual(StudentT.quantile(0.975, degreesOfFreedom: c.df), c.q, accuracy: 1e-9 * c.q, "df \(c.df)")
      XCTAssertEqual(StudentT.quantile(0.025, degreesOfFreedom: c.df), -c.q, accuracy: 1e-9 * c.q, "df \(c.df)")
    }
  }

  func testPairedComparisonMatchesTtestRel() throws {
    // docs/results.md's confirmation: RSMatch vs FixMatch, seeds 0-2.
    // stats.ttest_rel(rsmatch, fixmatch) -> statistic 1.3884916196771595, pvalue 0.2994122242105548
    let fix = [78.45, 77.67, 77.03], rs = [78.32, 78.17, 78.08]
    let c = try XCTUnwrap(PairedComparison(rs, minus: fix))
    XCTAssertEqual(c.meanDifference, 0.47333333333332916, accuracy: 1e-12)
    XCTAssertEqual(try XCTUnwrap(c.sdDifference), 0.5904518044119583, accuracy: 1e-12)
    XCTAssertEqual(try XCTUnwrap(c.t), 1.3884916196771595, accuracy: 1e-10)
    XCTAssertEqual(try XCTUnwrap(c.p), 0.2994122242105548, accuracy: 1e-10)
    let ci = try XCTUnwrap(c.interval)
    XCTAssertEqual(ci.low, -0.9934302609774464, accuracy: 1e-9)
    XCTAssertEqual(ci.high, 1.9400969276441047, accuracy: 1e-9)

    // Seven pairs: statistic 2.6443913771217145, pvalue 0.0383147810421298.
    let x = [0.61, 0.55, 0.70, 0.64, 0.59, 0.66, 0.58], y = [0.58, 0.56, 0.65, 0.60, 0.60, 0.61, 0.55]
    let d = try XCTUnwrap(PairedComparison(x, minus: y))
    XCTAssertEqual(try XCTUnwrap(d.t), 2.6443913771217145, accuracy: 1e-9)
    XCTAssertEqual(try XCTUnwrap(d.p), 0.0383147810421298, accuracy: 1e-10)
    XCTAssertEqual(try XCTUnwrap(d.interval).low, 0.0019203076358593717, accuracy: 1e-10)
    XCTAssertEqual(try XCTUnwrap(d.interval).high, 0.049508263792712046, accuracy: 1e-10)
  }

  func testDegenerateSamples() throws {
    XCTAssertNil(PairedComparison(differences: []))
    let one = try XCTUnwrap(PairedComparison(differences: [0.3]))
    XCTAssertNil(one.interval); XCTAssertNil(one.p)
    let same = try XCTUnwrap(PairedComparison(differences: [0.5, 0.5, 0.5]))
    XCTAssertEqual(same.p, 0)
    XCTAssertNil(PairedComparison([1, 2], minus: [1]))
    let s = try XCTUnwrap(SampleSummary([1, 2, 3, 4]))
    XCTAssertEqual(s.mean, 2.5); XCTAssertEqual(try XCTUnwrap(s.sd), 1.2909944487358056, accuracy: 1e-12)
  }
}
