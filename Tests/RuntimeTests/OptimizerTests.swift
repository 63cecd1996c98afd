import XCTest
@testable import Runtime
import TestSupport

/// Optimizer steps against PyTorch's update formulas computed by hand.
final class OptimizerTests: XCTestCase {
  func testSGDNesterovWithDecayMatchesPyTorch() throws {
    let p = Tensor(shape: [2], values: [1, -2]).requiringGrad()
    let bias = Tensor(shape: [1], values: [0.5]).requiringGrad()
    let opt = try SGD(parameters: [p, bias], lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01, noDecay: [bias])
    // Step 1: d = g + wd·p; buf = d; p -= lr·(d + m·buf).
    p.grad = Tensor(shape: [2], values: [0.5, 0.25]); bias.grad = Tensor(shape: [1], values: [1])
    try opt.step()
    let d1: [Float] = [0.5 + 0.01 * 1, 0.25 + 0.01 * -2]
    let p1: [Float] = [1 - 0.1 * (d1[0] * 1.9), -2 - 0.1 * (d1[1] * 1.9)]
    XCTAssertTrue(allClose(p.values, p1, rtol: 1e-6, atol: 1e-7), "\(p.values) vs \(p1)")
    XCTAssertTrue(isClose(bias.values[0], 0.5 - 0.1 * 1.9), "bias is exempt from decay")
    // Step 2: buf = m·buf + d; p -= lr·(d + m·buf).
    p.grad = Tensor(shape: [2], values: [-1, 0]); bias.grad = nil
    try opt.step()
    var p2 = [Float](repeating: 0, count: 2)
    for i in 0..<2 {
      let d = [Float(-1), 0][i] + 0.01 * p1[i]
      let buf = 0.9 * d1[i] + d
      p2[i] = p1[i] - 0.1 * (d + 0.9 * buf)
    }
    XCTAssertTrue(allClose(p.values, p2, rtol: 1e-6, atol: 1e-7), "\(p.values) vs \(p2)")
    XCTAssertTrue(isClose(bias.values[0], 0.5 - 0.1 * 1.9), "no grad, no update")
  }

  func testSGDPlainMomentumAndStateRoundTrip() throws {
    let p = Tensor(shape: [1], values: [1]).requiringGrad()
    let opt = try SGD(parameters: [p], lr: 0.5, momentum: 0.9, nesterov: false, weightDecay: 0)
    p.grad = Tensor(shape: [1], values: [1]); try opt.step()   // buf 1, p 0.5
    let saved = opt.exportState()
    p.grad = Tensor(shape: [1], values: [1]); try opt.step()   // buf 1.9, p -0.45
    XCTAssertTrue(isClose(p.values[0], -0.45))
    // Restoring the state after step 1 repeats step 2 exactly.
    let q = Tensor(shape: [1], values: [0.5]).requiringGrad()
    let opt2 = try SGD(parameters: [q], lr: 0.5, momentum: 0.9, nesterov: false, weightDecay: 0)
    try opt2.importState(saved)
    q.grad = Tensor(shape: [1], values: [1]); try opt2.step()
    XCTAssertEqual(q.values, p.values)
    XCTAssertThrowsError(try opt2.importState(["momentum.0": Tensor(zeros: [3])]))
    opt2.zeroGrad()
    XCTAssertNil(q.grad)
    XCTAssertThrowsError(try SGD(parameters: [q], lr: 0.1, momentum: 0, nesterov: true))
  }

  func testAdamMatchesPyTorch() throws {
    let p = Tensor(shape: [2], values: [1, 2]).requiringGrad()
    let opt = try Adam(parameters: [p], lr: 0.01)
    var m: [Double] = [0, 0], v: [Double] = [0, 0], w: [Double] = [1, 2]
    for (t, g) in [[0.5, -1.0], [0.2, 0.3], [-0.4, 0.1]].enumerated() {
      p.grad = Tensor(shape: [2], values: g.map(Float.init))
      try opt.step()
      let step = Double(t + 1)
      for i in 0..<2 {
        m[i] = 0.9 * m[i] + 0.1 * g[i]
        v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i]
        let denom = v[i].squareRoot() / (1 - pow(0.999, step)).squareRoot() + 1e-8
        w[i] -= 0.01 / (1 - pow(0.9, step)) * m[i] / denom
      }
      XCTAssertTrue(allClose(p.values, w.map(Float.init), rtol: 1e-5, atol: 1e-6), "step \(t): \(p.values) vs \(w)")
    }
    let state = opt.exportState()
    XCTAssertEqual(try state["step.0"]?.item(), 3)
    let opt2 = try Adam(parameters: [p], lr: 0.01)
    try opt2.importState(state)
    XCTAssertEqual(opt2.exportState()["exp_avg.0"]?.values, state["exp_avg.0"]?.values)
  }

  func testCosineScheduleFollowsFixMatch() throws {
    let s = try CosineSchedule(base: 0.03, totalSteps: 1000)
    XCTAssertEqual(s.lr(step: 0), 0.03)
    XCTAssertTrue(isClose(s.lr(step: 500), 0.03 * Float(cos(7 * Double.pi * 500 / 16000))))
    XCTAssertTrue(isClose(s.lr(step: 1000), 0.03 * Float(cos(7 * Double.pi / 16)), rtol: 1e-5))  // ≈ 0.195·base
    let w = try CosineSchedule(base: 1, totalSteps: 100, warmupSteps: 10)
    XCTAssertEqual(w.lr(step: 5), 0.5)
    XCTAssertThrowsError(try CosineSchedule(base: 1, totalSteps: 0))
  }

  func testEMAAveragesParametersAndCopiesBuffers() throws {
    let live = try Model.convnet(width: 2, classes: 2)
    let ema = try EMA(of: live, momentum: 0.999, warmup: true)
    XCTAssertFalse(ema.model.isTraining)
    let before = ema.model.parameters[0].values
    // Move the live model: weights +1, one forward in training mode moves BN statistics.
    for p in live.parameters { for i in 0..<p.count { p.buffer[i] += 1 } }
    _ = try live(Tensor(shape: [2, 1, 4, 4], values: (0..<32).map { Float($0) }))
    XCTAssertEqual(ema.nextDecay, 0.1)  // (1 + 0) / (10 + 0)
    try ema.update(from: live)
    let after = ema.model.parameters[0].values, liveW = live.parameters[0].values
    for i in 0..<after.count { XCTAssertTrue(isClose(after[i], 0.1 * before[i] + 0.9 * liveW[i])) }
    XCTAssertEqual(ema.model.namedBuffers.map(\.tensor.values), live.namedBuffers.map(\.tensor.values))
    XCTAssertTrue(isClose(ema.nextDecay, 2 / 11))
    let plain = try EMA(of: live, momentum: 0.999, warmup: false)
    XCTAssertEqual(plain.nextDecay, 0.999)
    try live.addLinearHead(name: "detector", outputs: 1, seed: 1)
    XCTAssertThrowsError(try ema.update(from: live))
  }
}
