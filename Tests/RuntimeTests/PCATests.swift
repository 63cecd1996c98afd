import XCTest
@testable import Runtime

final class PCATests: XCTestCase {
  func testFindsTheKnownPrincipalAxis() throws {
    var rng = RNG(seed: 5)
    // Points along (0.6, 0.8, 0) with spread 10, small noise elsewhere, offset by a mean.
    var v: [Float] = []
    for _ in 0..<400 {
      let t = rng.normal() * 10, e1 = rng.normal() * 0.5, e2 = rng.normal() * 0.1
      v += [3 + 0.6 * t - 0.8 * e1, -2 + 0.8 * t + 0.6 * e1, 7 + e2]
    }
    let x = Tensor(shape: [400, 3], values: v)
    let (axes, mean, variances) = try PCA.fit(x, components: 3)
    XCTAssertEqual(mean[0], 3, accuracy: 1.5)
    XCTAssertEqual(axes[0][0], 0.6, accuracy: 0.01)
    XCTAssertEqual(axes[0][1], 0.8, accuracy: 0.01)
    XCTAssertEqual(axes[0][2], 0, accuracy: 0.01)
    XCTAssertEqual(abs(axes[1][0]), 0.8, accuracy: 0.05)
    XCTAssertEqual(abs(axes[2][2]), 1, accuracy: 0.01)
    XCTAssertEqual(variances[0], 100, accuracy: 20)
    XCTAssertGreaterThan(variances[0], variances[1])
    XCTAssertGreaterThan(variances[1], variances[2])
    // The projection is centred and its first column has the first variance.
    let p = try PCA.project(x, components: 2)
    XCTAssertEqual(p.shape, [400, 2])
    let col0 = (0..<400).map { Double(p.values[$0 * 2]) }
    let m0 = col0.reduce(0, +) / 400
    XCTAssertEqual(m0, 0, accuracy: 1e-3)
    XCTAssertEqual(col0.map { ($0 - m0) * ($0 - m0) }.reduce(0, +) / 399, variances[0], accuracy: variances[0] * 1e-3)
  }

  func testResultIsDeterministicAndSignNormalised() throws {
    var rng = RNG(seed: 9)
    let x = Tensor(shape: [50, 6], values: (0..<300).map { _ in rng.normal() })
    let a = try PCA.project(x), b = try PCA.project(x.copy())
    XCTAssertEqual(a.values, b.values)
    // Negating the data flips the projections, and the sign rule flips the axes back.
    let neg = Tensor(shape: [50, 6], values: x.values.map { -$0 })
    let (axA, _, _) = try PCA.fit(x), (axN, _, _) = try PCA.fit(neg)
    for k in 0..<2 { for j in 0..<6 { XCTAssertEqual(axA[k][j], axN[k][j], accuracy: 1e-6) } }
  }

  func testSubspaceIterationAgreesWithJacobi() throws {
    var rng = RNG(seed: 2)
    // A low-rank-plus-noise covariance in 40 dimensions with a clear spectrum.
    let d = 40
    let basis = (0..<5).map { _ in (0..<d).map { _ in Double(rng.normal()) } }
    var c = [Double](repeating: 0, count: d * d)
    for (r, b) in basis.enumerated() {
      let w = Double(10 - 2 * r)
      for i in 0..<d { for j in 0..<d { c[i * d + j] += w * b[i] * b[j] } }
    }
    for i in 0..<d { c[i * d + i] += 0.01 }
    let (vj, ej) = PCA.jacobi(c, d)
    let (vs, es) = PCA.subspaceIteration(c, d, block: 10, wanted: 3)
    let topJ = vj.indices.sorted { vj[$0] > vj[$1] }, topS = vs.indices.sorted { vs[$0] > vs[$1] }
    for r in 0..<3 {
      XCTAssertEqual(vj[topJ[r]], vs[topS[r]], accuracy: 1e-6 * vj[topJ[r]])
      let dot = zip(ej[topJ[r]], es[topS[r]]).reduce(0) { $0 + $1.0 * $1.1 }
      XCTAssertEqual(abs(dot), 1, accuracy: 1e-6, "eigenvector \(r)")
    }
    // Jacobi eigenvectors are orthonormal and reconstruct the matrix.
    for i in 0..<d {
      var row = [Double](repeating: 0, count: d)
      for k in 0..<d { for j in 0..<d { row[j] += vj[k] * ej[k][i] * ej[k][j] } }
      for j in 0..<d { XCTAssertEqual(row[j], c[i * d + j], accuracy: 1e-8) }
    }
  }

  func testLargeDimensionUsesTheIterativePath() throws {
    var rng = RNG(seed: 4)
    let n = 60, d = PCA.jacobiLimit + 40
    var v = [Float](repeating: 0, count: n * d)
    for i in 0..<n {
      let t = rng.normal() * 5
      for j in 0..<d { v[i * d + j] = t * (j == 3 ? 1 : 0) + rng.normal() * 0.05 }
    }
    let (axes, _, variances) = try PCA.fit(Tensor(shape: [n, d], values: v), components: 2)
    XCTAssertEqual(axes[0][3], 1, accuracy: 0.01)
    XCTAssertGreaterThan(variances[0], 10 * variances[1])
  }

  func testRejectsBadInput() {
    XCTAssertThrowsError(try PCA.project(Tensor(zeros: [5])))
    XCTAssertThrowsError(try PCA.project(Tensor(zeros: [5, 2]), components: 3))
    XCTAssertThrowsError(try PCA.project(Tensor(zeros: [0, 2])))
    XCTAssertThrowsError(try PCA.project(Tensor(shape: [2, 2], values: [1, .nan, 2, 3])))
    // One sample or constant data: zero variance, no crash.
    XCTAssertNoThrow(try PCA.project(Tensor(shape: [1, 3], values: [1, 2, 3])))
    XCTAssertEqual(try PCA.project(Tensor(shape: [3, 2], values: [1, 1, 1, 1, 1, 1])).values, [0, 0, 0, 0, 0, 0])
  }
}
