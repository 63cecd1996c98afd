import XCTest
@testable import Runtime
import TestSupport

/// Winograd F(2x2, 3x3) against its tile-by-tile twin and against the direct path, on every
/// 3x3 stride-1 layer shape of convnet (widths 16 and 32, 28x28x1) and WRN-28-2 (32x32x3),
/// plus odd sizes with partial tiles.
final class WinogradTests: XCTestCase {
  func randomValues(_ n: Int, _ rng: inout RNG) -> [Float] { (0..<n).map { _ in rng.normal() } }

  /// max |a - b| / max |b|: the error relative to the output's scale (elementwise relative
  /// error is meaningless for outputs near zero).
  func relativeError(_ a: [Float], _ b: [Float]) -> Float {
    // Outputs start as NaN: an element a kernel failed to write must fail, not be skipped
    // (max ignores NaN).
    if a.count != b.count || a.contains(where: { !$0.isFinite }) { return .infinity }
    let scale = b.reduce(0) { max($0, abs($1)) }
    return maxAbsDiff(a, b) / max(scale, .leastNormalMagnitude)
  }

  struct Outputs { var y: [Float], dx: [Float], dw: [Float] }

  /// Forward, input gradient and weight gradient through one path.
  func run(_ path: ConvPath, _ g: ConvGeometry, x: [Float], w: [Float], b: [Float]?, dy: [Float]) -> Outputs {
    var y = [Float](repeating: .nan, count: g.n * g.outPlane)
    var dx = [Float](repeating: .nan, count: x.count), dw = [Float](repeating: .nan, count: w.count)
    let gt = ConvKernels.transposedGeometry(g)
    var flipped = [Float](repeating: 0, count: w.count)
    w.withUnsafeBufferPointer { wp in
      flipped.withUnsafeMutableBufferPointer { ConvKernels.flipKernel(wp.baseAddress!, g, into: $0.baseAddress!) }
      x.withUnsafeBufferPointer { xp in dy.withUnsafeBufferPointer { dyp in
        y.withUnsafeMutableBufferPointer { yp in
          if let b {
            b.withUnsafeBufferPointer { ConvKernels.forward(path: path, x: xp.baseAddress!, weight: wp.baseAddress!, bias: $0.baseAddress!, y: yp.baseAddress!, g) }
          } else {
            ConvKernels.forward(path: path, x: xp.baseAddress!, weight: wp.baseAddress!, bias: nil, y: yp.baseAddress!, g)
          }
        }
        dw.withUnsafeMutableBufferPointer {
          ConvKernels.weightGradient(path: path, x: xp.baseAddress!, weight: wp.baseAddress!, dy: dyp.baseAddress!, dweight: $0.baseAddress!, g)
        }
        flipped.withUnsafeBufferPointer { fp in dx.withUnsafeMutableBufferPointer {
          ConvKernels.forward(path: path, x: dyp.baseAddress!, weight: fp.baseAddress!, bias: nil, y: $0.baseAddress!, gt)
        } }
      } }
    }
    return Outputs(y: y, dx: dx, dw: dw)
  }

  /// Every 3x3 stride-1 padding-1 layer shape of convnet(width: 16/32) and WRN-28-2, with
  /// batches small enough for a test: outputs and both gradients within 1e-4 relative of the
  /// direct path (which the other conv tests check against the Float64 reference).
  func testLayerShapesMatchDirectPath() {
    var rng = RNG(seed: 21)
    // (n, cin, cout, side, bias)
    let shapes: [(Int, Int, Int, Int, Bool)] = [
      // convnet width 16 and 32 on 28x28x1.
      (4, 1, 16, 28, false), (3, 16, 16, 28, false), (4, 16, 32, 14, false), (4, 32, 32, 14, false),
      (4, 1, 32, 28, false), (3, 32, 32, 28, false), (4, 32, 64, 14, false), (4, 64, 64, 14, false),
      // WRN-28-2 on 32x32x3: stem (with bias), group 1 (16 -> 32, 32 -> 32), group 2 at 16x16,
      // group 3 at 8x8 (the stride-2 convolutions and 1x1 shortcuts stay direct).
      (2, 3, 16, 32, true), (2, 16, 32, 32, false), (2, 32, 32, 32, false), (2, 64, 64, 16, false),
      (3, 128, 128, 8, false),
    ]
    for (n, cin, cout, side, hasBias) in shapes {
      let g = ConvGeometry(n: n, cin: cin, h: side, w: side, cout: cout, kh: 3, kw: 3, stride: 1, pad: 1)
      XCTAssertTrue(WinogradKernels.applies(g))
      let x = randomValues(n * g.inPlane, &rng), w = randomValues(cout * g.k, &rng).map { $0 * 0.2 }
      let b = hasBias ? randomValues(cout, &rng) : nil, dy = randomValues(n * g.outPlane, &rng)
      let direct = run(.direct, g, x: x, w: w, b: b, dy: dy), wino = run(.winograd, g, x: x, w: w, b: b, dy: dy)
      let name = "\(n)x\(cin)x\(side)x\(side) -> \(cout)"
      XCTAssertLessThan(relativeError(wino.y, direct.y), 1e-4, "\(name) forward")
      XCTAssertLessThan(relativeError(wino.dx, direct.dx), 1e-4, "\(name) dx")
      XCTAssertLessThan(relativeError(wino.dw, direct.dw), 1e-4, "\(name) dw")
    }
  }

  /// Odd and rectangular planes (partial tiles at the right and bottom edges), against the
  /// tile-by-tile twin (same algorithm) and the Float64 direct reference.
  func testPartialTilesMatchTwinAndReference() {
    var rng = RNG(seed: 5)
    let shapes: [(n: Int, cin: Int, cout: Int, h: Int, w: Int)] = [
      (2, 3, 4, 7, 7), (3, 2, 5, 14, 14), (1, 4, 3, 5, 8), (2, 2, 2, 1, 1), (2, 3, 2, 2, 3), (7, 2, 3, 9, 4),
    ]
    for s in shapes {
      let g = ConvGeometry(n: s.n, cin: s.cin, h: s.h, w: s.w, cout: s.cout, kh: 3, kw: 3, stride: 1, pad: 1)
      let x = randomValues(s.n * g.inPlane, &rng), w = randomValues(s.cout * g.k, &rng)
      let b = randomValues(s.cout, &rng), dy = randomValues(s.n * g.outPlane, &rng)
      let out = run(.winograd, g, x: x, w: w, b: b, dy: dy)
      let name = "\(s)"
      let twinY = ConvReference.winogradConv2d(x: x, weight: w, bias: b, g)
      XCTAssertLessThan(relativeError(out.y, twinY), 1e-5, "\(name) forward vs twin")
      let twinDW = ConvReference.winogradWeightGradient(x: x, dy: dy, g)
      XCTAssertLessThan(relativeError(out.dw, twinDW), 1e-5, "\(name) dw vs twin")
      let ref = ConvReference.conv2d(x: x, weight: w, bias: b, g)
      XCTAssertLessThan(relativeError(out.y, ref), 1e-5, "\(name) forward vs reference")
      let (dx, dw, _) = ConvReference.conv2dBackward(x: x, weight: w, dy: dy, g)
      XCTAssertLessThan(relativeError(out.dx, dx), 1e-5, "\(name) dx vs reference")
      XCTAssertLessThan(relativeError(out.dw, dw), 1e-5, "\(name) dw vs reference")
    }
  }

  /// The tape's conv2d with the path forced: the same values as the reference, and the
  /// Winograd kernels really run (a silent fallback to the direct path would not count).
  func testForcedModeRunsWinogradThroughTheTape() throws {
    let saved = ConvPathChoice.mode
    defer { ConvPathChoice.mode = saved }
    var rng = RNG(seed: 8)
    let g = ConvGeometry(n: 3, cin: 4, h: 7, w: 7, cout: 5, kh: 3, kw: 3, stride: 1, pad: 1)
    let xv = randomValues(g.n * g.inPlane, &rng), wv = randomValues(g.cout * g.k, &rng)
    for mode in [ConvPathChoice.Mode.winograd, .direct, .auto] {
      ConvPathChoice.mode = mode
      let before = ConvPathChoice.winogradCallCount
      let x = Tensor(shape: [3, 4, 7, 7], values: xv).requiringGrad()
      let w = Tensor(shape: [5, 4, 3, 3], values: wv).requiringGrad()
      let y = try x.conv2d(weight: w, stride: 1, padding: 1)
      try y.sum().backward()
      let calls = ConvPathChoice.winogradCallCount - before
      if mode == .winograd { XCTAssertEqual(calls, 3, "forward, dw and dx") }
      if mode == .direct { XCTAssertEqual(calls, 0) }
      XCTAssertLessThan(relativeError(y.values, ConvReference.conv2d(x: xv, weight: wv, bias: nil, g)), 1e-5, "\(mode)")
      let (dx, dw, _) = ConvReference.conv2dBackward(x: xv, weight: wv, dy: [Float](repeating: 1, count: y.count), g)
      XCTAssertLessThan(relativeError(x.grad?.values ?? [], dx), 1e-5, "\(mode) dx")
      XCTAssertLessThan(relativeError(w.grad?.values ?? [], dw), 1e-5, "\(mode) dw")
    }
    // Auto mode measured this shape once and reports its choice.
    XCTAssertTrue(ConvPathChoice.report.contains { $0.hasPrefix("fwd 3x4x7x7 -> 5 3x3: ") }, "\(ConvPathChoice.report)")
    // A geometry Winograd does not cover stays direct even when Winograd is forced.
    ConvPathChoice.mode = .winograd
    let before = ConvPathChoice.winogradCallCount
    _ = try Tensor(zeros: [1, 2, 6, 6]).conv2d(weight: Tensor(zeros: [2, 2, 3, 3]), stride: 2, padding: 1)
    XCTAssertEqual(ConvPathChoice.winogradCallCount, before)
  }
}
