import Foundation
import XCTest
@testable import Interpreter
@testable import Runtime

/// Models and optimizers through the language: constructors, layers, calls, parameters,
/// modes, copies, weights files, and a hand-written training loop.
final class ModelBuiltinTests: XCTestCase {
  func testConstructorsMatchTheRuntimeModels() throws {
    let out = ConformanceScript.Box()
    let s = try toySession(out)
    XCTAssertEqual(rsl(s, "param_count(mlp([784, 128, 10]))"), "101770")
    XCTAssertEqual(rsl(s, "param_count(convnet(width: 8))"), "\(try Model.convnet(width: 8).parameterCount)")
    XCTAssertEqual(rsl(s, "param_count(wrn())"), "1467626")
    XCTAssertEqual(rsl(s, "shape(convnet(width: 4, classes: 3)(zeros([2, 1, 12, 12])))"), "[2, 3]")
    XCTAssertEqual(rsl(s, "shape(wrn(depth: 10, widen: 1, in_channels: 1)(zeros([1, 1, 8, 8])))"), "[1, 10]")
    XCTAssertEqual(rsl(s, "m = mlp([4, 8, 2])\ntype(m)"), "\"model\"")
    XCTAssertEqual(rsl(s, "m"), "model(mlp([4, 8, 2]): 58 parameters, features 8, heads main Linear(8, 2))")
    XCTAssertEqual(rsl(s, "m.heads"), "[\"main\"]")
    // Same seed, same weights; the global seed drives the default.
    XCTAssertEqual(rsl(s, "to_list(mlp([3, 2], seed: 5)(ones([1, 3]))) == to_list(mlp([3, 2], seed: 5)(ones([1, 3])))"), "true")
    XCTAssertEqual(rsl(s, "seed(3)\na = mlp([3, 2])(ones([1, 3]))\nseed(3)\nb = mlp([3, 2])(ones([1, 3]))\nto_list(a) == to_list(b)"), "true")
  }

  func testLayersSequentialAndFeatures() throws {
    let s = Session(output: { _ in })
    rsl(s, "seed(1)\nl1 = linear(4, 3)\nm = sequential([flatten_layer(), l1, relu_layer(), linear(3, 2)])")
    XCTAssertEqual(rsl(s, "shape(m(ones([5, 2, 2])))"), "[5, 2]")
    XCTAssertEqual(rsl(s, "shape(features(m, ones([5, 4])))"), "[5, 3]")
    XCTAssertEqual(rsl(s, "param_count(m)"), "23")
    XCTAssertEqual(rsl(s, "len(params(m))"), "4")
    XCTAssertEqual(rsl(s, "param_count(l1)"), "15")
    // The features are the input of the linear head: relu(l1(x)) (the model copies l1's weights).
    XCTAssertEqual(rsl(s, "x = randn([3, 4], seed: 2)\nto_list(features(m, x)) == to_list(relu(l1(x)))"), "true")
    XCTAssertEqual(rsl(s, "shape(conv(1, 4, 3, padding: 1)(zeros([2, 1, 6, 6])))"), "[2, 4, 6, 6]")
    XCTAssertEqual(rsl(s, "shape(conv(1, 4, 3, stride: 2)(zeros([2, 1, 7, 7])))"), "[2, 4, 3, 3]")
    XCTAssertEqual(rsl(s, "shape(maxpool(2)(zeros([1, 2, 6, 6])))"), "[1, 2, 3, 3]")
    XCTAssertEqual(rsl(s, "b = batchnorm(2)\ny = b(randn([4, 2, 3, 3], seed: 0))\nround(item(mean(y)), 4)"), "0")
    let cnn = rsl(s, "c = sequential([conv(1, 4, 3, padding: 1), batchnorm(4), relu_layer(), maxpool(2), flatten_layer(), linear(64, 3)])\nshape(c(zeros([2, 1, 8, 8])))")
    XCTAssertEqual(cnn, "[2, 3]")
  }

  func testModesCopySaveAndLoad() throws {
    let s = Session(output: { _ in })
    let path = tempPath("model.safetensors")
    rsl(s, "m = convnet(width: 4, seed: 1)\nx = rand([3, 1, 8, 8], seed: 2)")
    XCTAssertEqual(rsl(s, "eval_mode(m).training"), "false")
    XCTAssertEqual(rsl(s, "train_mode(m).training"), "true")
    rsl(s, "eval_mode(m)\ny = m(x)\nc = copy(m)\nsave(m, \"\(path)\")")
    // A copy is independent: changing the original's weights leaves it alone.
    rsl(s, "p = params(m)[0]\nopt = sgd([p], lr: 1, momentum: 0, nesterov: false, weight_decay: 0)\nbackward(sum(m(x)))\nstep(opt)")
    XCTAssertEqual(rsl(s, "to_list(c(x)) == to_list(y)"), "true")
    XCTAssertEqual(rsl(s, "to_list(m(x)) == to_list(y)"), "false")
    XCTAssertEqual(rsl(s, "m2 = eval_mode(convnet(width: 4, seed: 9))\nload_weights(m2, \"\(path)\")\nto_list(m2(x)) == to_list(y)"), "true")
    let msg = errorMessage(s, "load_weights(mlp([4, 2]), \"\(path)\")") ?? ""
    XCTAssertTrue(msg.contains("weights do not fit the model mlp([4, 2])"), msg)
  }

  /// Tutorial-01 style: forward, cross_entropy, backward, step — the loss falls and the
  /// model learns the toy problem.
  func testHandWrittenTrainingLoop() throws {
    let out = ConformanceScript.Box()
    let s = try toySession(out)
    s.define("x", .tensor(try (try toyDataset(count: 64, seed: 4)).imagesTensor()))
    s.define("y", .tensor(Tensor(shape: [64], values: (0..<64).map { Float($0 % 2) })))
    let src = """
      m = mlp([64, 16, 2], seed: 0)
      opt = sgd(params(m), lr: 0.1)
      losses = []
      for i in 0..30
        zero_grad(opt)
        loss = cross_entropy(m(x), y)
        backward(loss)
        set_lr(opt, cosine_lr(i, 30, 0.1))
        step(opt)
        append(losses, item(loss))
      end
      [losses[0], losses[-1]]
      """
    rsl(s, src)
    XCTAssertEqual(rsl(s, "losses[-1] < losses[0] / 4"), "true", out.text + (rsl(s, "losses") ?? ""))
    XCTAssertEqual(rsl(s, "evaluate(m, test).accuracy > 0.95"), "true")
    // Adam drives a quadratic to its minimum.
    XCTAssertEqual(rsl(s, """
      w = param(tensor([3.0, -2.0]))
      a = adam([w], lr: 0.1)
      for i in 0..300
        zero_grad(a)
        backward(sum((w - 1) * (w - 1)))
        step(a)
      end
      round(item(max(abs(w - 1))), 2)
      """), "0")
    XCTAssertEqual(rsl(s, "a.lr"), "0.1")
    XCTAssertEqual(rsl(s, "zero_grad(a)\ngrad(w) == nil"), "true")
  }

  func testOptimizerMatchesRuntimeSGD() throws {
    let s = Session(output: { _ in })
    rsl(s, "w = param(tensor([[1.0, -2.0], [0.5, 3.0]]))\nopt = sgd([w], lr: 0.1)\nfor i in 0..3\n zero_grad(opt)\n backward(sum(w * w * w))\n step(opt)\nend")
    let w = Tensor(shape: [2, 2], values: [1, -2, 0.5, 3]).requiringGrad()
    let opt = try SGD(parameters: [w], lr: 0.1)
    for _ in 0..<3 {
      opt.zeroGrad()
      try w.mul(w).mul(w).sum().backward()
      try opt.step()
    }
    guard case .tensor(let got)? = s.value(of: "w") else { return XCTFail("w is not a tensor") }
    XCTAssertEqual(got.values, w.values)
    XCTAssertEqual(rsl(s, "cosine_lr(0, 100, 0.03)"), "0.03")
    XCTAssertEqual(rsl(s, "round(cosine_lr(100, 100, 1), 4)"), "\(Double(Float(cos(Double.pi * 7 / 16))).rounded(toPlaces: 4))")
  }

  func testBadArguments() throws {
    let s = Session(output: { _ in })
    XCTAssertEqual(errorMessage(s, "mlp([4])"), "mlp: sizes must list at least an input and an output size, all positive, got [4]")
    XCTAssertEqual(errorMessage(s, "linear(0, 2)"), "bad argument #1 to 'linear' (positive integer expected, got 0)")
    XCTAssertEqual(errorMessage(s, "params(3)"), "bad argument #1 to 'params' (model or layer expected, got number)")
    XCTAssertEqual(errorMessage(s, "sgd([ones([2])], lr: 0.1)"), "bad argument #1 to 'sgd' (every tensor must require grad (make it with param(t)); got one of shape [2] that does not)")
    XCTAssertEqual(errorMessage(s, "sgd([param(ones([2]))], lr: -1)"), "bad argument #2 to 'sgd' (non-negative learning rate expected, got -1)")
    XCTAssertEqual(errorMessage(s, "step(3)"), "bad argument #1 to 'step' (optimizer expected, got number)")
    XCTAssertEqual(errorMessage(s, "sequential([1])"), "bad argument #1 to 'sequential' (list of layers expected, got a list containing number)")
    XCTAssertEqual(errorMessage(s, "wrn(depth: 11)"), "wrn: depth must be 6n + 4 (>= 10) and widen, classes, in_channels positive; got depth 11, widen 2")
    let m = errorMessage(s, "mlp([4, 2])(ones([3, 5]))") ?? ""
    XCTAssertTrue(m.contains("[3, 5]"), m)
    XCTAssertEqual(errorMessage(s, "mlp([4, 2])(1, 2)"), "model: takes one argument (a batch of inputs), got 2")
    XCTAssertTrue((errorMessage(s, "load_weights(mlp([4, 2]), \"/nonexistent/w.safetensors\")") ?? "").contains("/nonexistent/w.safetensors"))
  }
}

extension Double {
  func rounded(toPlaces n: Int) -> Double {
    var p = 1.0
    for _ in 0..<n { p *= 10 }
    return (self * p).rounded() / p
  }
}
