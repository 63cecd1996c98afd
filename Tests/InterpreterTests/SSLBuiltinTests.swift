import Foundation
import XCTest
@testable import Interpreter
@testable import Runtime

/// SSL training through the language: algorithms, train/run, evaluation, custom losses,
/// determinism, resume, progress and interrupts, compare and history files.
final class SSLBuiltinTests: XCTestCase {
  /// The shared quick recipe: 8x8 toy images, mlp, tiny batches.
  let quick = "labeled: labeled, unlabeled: unlabeled, steps: 12, batch: 4, mu: 2, eval: test, eval_every: 4"

  /// LANGUAGE.md's models, optim, ssl, runs and plots builtins are all bound, with the
  /// contract's keyword arguments.
  func testContractBuiltinsAreBound() {
    let contract: [String: [String]] = [
      "mlp": [], "convnet": ["width", "classes", "in_channels"], "wrn": ["depth", "widen", "classes", "in_channels"],
      "sequential": [], "linear": [], "conv": ["stride", "padding"], "batchnorm": [], "relu_layer": [], "maxpool": [],
      "flatten_layer": [], "params": [], "param_count": [], "features": [], "train_mode": [], "eval_mode": [], "copy": [],
      "save": [], "load_weights": [], "sgd": ["lr", "momentum", "nesterov", "weight_decay"], "adam": ["lr"], "step": [],
      "zero_grad": [], "set_lr": [], "cosine_lr": [], "supervised": [], "pseudo_label": ["tau"], "fixmatch": ["tau", "lambda_u"],
      "flexmatch": ["tau"], "freematch": [], "softmatch": [],
      "rsmatch": ["tau", "lambda_u", "lambda_syn", "lambda_det", "detect_threshold", "warmup_steps", "queue_size", "queue_per_step",
                  "classwise_queue", "queue_bootstrap", "dummy", "dummy_targets", "routing", "detector_grad", "detector_hidden"],
      "custom": ["unsup"],
      "train": ["labeled", "unlabeled", "steps", "batch", "mu", "lr", "eval", "eval_every", "seed", "ema", "checkpoint_every",
                "checkpoint_path", "resume"],
      "evaluate": [], "predict": [], "confusion": [], "compare": ["metric"], "save_history": [], "save_checkpoint": [],
      "plot": ["metric", "path"], "plot_xy": ["path"], "hist": ["bins"], "confusion_plot": [], "scatter_features": ["color"],
    ]
    for (name, keywords) in contract {
      guard let b = BuiltinRegistry.standard[name] else { XCTFail("\(name) is not bound"); continue }
      for k in keywords { XCTAssertTrue(b.parameters.contains { $0.name == k }, "\(name) lacks keyword \(k)") }
    }
  }

  func testAlgorithmValues() throws {
    let s = Session(output: { _ in })
    XCTAssertEqual(rsl(s, "supervised()"), "algorithm(supervised())")
    XCTAssertEqual(rsl(s, "fixmatch(tau: 0.9)"), "algorithm(fixmatch(tau: 0.9, lambda_u: 1.0))")
    XCTAssertEqual(rsl(s, "type(flexmatch())"), "\"algorithm\"")
    XCTAssertEqual(rsl(s, "pseudo_label().name"), "\"pseudo_label\"")
    XCTAssertEqual(rsl(s, "freematch().name + softmatch().name"), "\"freematchsoftmatch\"")
    let all = """
      rsmatch(tau: 0.9, lambda_u: 2, lambda_syn: 0.5, lambda_det: 3, detect_threshold: 0.6, warmup_steps: 5, queue_size: 16,
              queue_per_step: 2, classwise_queue: false, queue_bootstrap: "low_confidence", dummy: false, dummy_targets: "dummy",
              routing: "oracle", detector_grad: true, detector_hidden: 0, queue_items: "images", detector_negatives: "confident",
              dummy_init: "main").options
      """
    XCTAssertEqual(rsl(s, all), """
      {tau: 0.9, lambda_u: 2, lambda_syn: 0.5, lambda_det: 3, detect_threshold: 0.6, warmup_steps: 5, queue_size: 16, queue_per_step: 2, classwise_queue: false, queue_bootstrap: "low_confidence", dummy: false, dummy_targets: "dummy", routing: "oracle", detector_grad: true, detector_hidden: 0, queue_items: "images", detector_negatives: "confident", dummy_init: "main"}
      """)
    XCTAssertEqual(errorMessage(s, "rsmatch(routing: \"magic\")"), "bad argument #13 to 'rsmatch' (routing must be \"detector\", \"oracle\" or \"none\", got \"magic\")")
    XCTAssertEqual(errorMessage(s, "rsmatch(routing: \"detektor\")"), "bad argument #13 to 'rsmatch' (routing must be \"detector\", \"oracle\" or \"none\", got \"detektor\" (did you mean \"detector\"?))")
    XCTAssertEqual(errorMessage(s, "rsmatch(queue_items: \"pixels\")"), "bad argument #16 to 'rsmatch' (queue_items must be \"features\" or \"images\", got \"pixels\")")
    XCTAssertEqual(errorMessage(s, "fixmatch(tau: 2)"), "bad argument #1 to 'fixmatch' (a value in [0, 1] expected, got 2)")
    XCTAssertEqual(errorMessage(s, "fixmatch(tua: 0.9)"), "fixmatch: unknown keyword argument 'tua' (did you mean 'tau'?); signature fixmatch(tau: 0.95, lambda_u: 1)")
    XCTAssertEqual(errorMessage(s, "custom(unsup: 3)"), "bad argument #1 to 'custom' (function expected, got number)")
    XCTAssertEqual(errorMessage(s, "custom(unsup: print, views: \"all\")"), "bad argument #2 to 'custom' (views must be \"weak_strong\" or \"weak\", got \"all\")")
  }

  func testTrainSupervisedRunAndEvaluation() throws {
    let out = ConformanceScript.Box()
    let s = try toySession(out)
    rsl(s, "m = mlp([64, 16, 2], seed: 0)\nr = train(m, supervised(), labeled: labeled, steps: 40, batch: 8, lr: 0.1, eval: test, eval_every: 10)")
    XCTAssertEqual(rsl(s, "type(r)"), "\"run\"")
    XCTAssertEqual(rsl(s, "r.steps"), "40")
    XCTAssertEqual(rsl(s, "r.history.step"), "[10, 20, 30, 40]")
    XCTAssertEqual(rsl(s, "keys(r.history)[0:5]"), "[\"step\", \"loss\", \"sup_loss\", \"unsup_loss\", \"lr\"]")
    XCTAssertEqual(rsl(s, "r.final.test_acc == r.history.test_acc[-1]"), "true")
    XCTAssertEqual(rsl(s, "r.final.test_acc > 0.9"), "true", rsl(s, "r.history") ?? "")
    XCTAssertEqual(rsl(s, "r.seconds > 0 and not r.interrupted"), "true")
    XCTAssertEqual(rsl(s, "r.detector == nil"), "true")
    XCTAssertEqual(rsl(s, "type(r.model)"), "\"model\"")
    XCTAssertTrue(rsl(s, "r")?.hasPrefix("run(supervised: 40/40 steps, test_acc ") ?? false)
    // evaluate agrees with the run's final row (both use the EMA model).
    XCTAssertEqual(rsl(s, "e = evaluate(r.model, test)\ne.accuracy == r.final.test_acc"), "true")
    XCTAssertEqual(rsl(s, "keys(e)"), "[\"accuracy\", \"loss\", \"per_class\"]")
    XCTAssertEqual(rsl(s, "len(e.per_class)"), "2")
    XCTAssertEqual(rsl(s, "p = predict(r.model, test)\nshape(p)"), "[40]")
    XCTAssertEqual(rsl(s, "item(mean(p == labels_of_test)) == e.accuracy".replacingOccurrences(of: "labels_of_test", with: "tensor(map(range(40), fn(i) i % 2 end))")), "true")
    XCTAssertEqual(rsl(s, "cm = confusion(r.model, test)\n[shape(cm), item(sum(cm))]"), "[[2, 2], 40]")
    XCTAssertEqual(rsl(s, "(item(cm[0, 0]) + item(cm[1, 1])) / 40 == e.accuracy"), "true")
    // The live model was trained in place; calling the trained model normalises its input.
    XCTAssertEqual(rsl(s, "item(mean(argmax(r.model(images_of_test), axis: 1) == p))".replacingOccurrences(of: "images_of_test", with: "stack(map(range(40), fn(i) test[i].image end))")), "1", "needs ds[i] from the data builtins")
  }

  func testSameSeedSameHistory() throws {
    let s = try toySession(ConformanceScript.Box())
    rsl(s, "a = train(mlp([64, 16, 2], seed: 0), fixmatch(tau: 0.6), \(quick))\nb = train(mlp([64, 16, 2], seed: 0), fixmatch(tau: 0.6), \(quick))")
    try assertSameHistory(s, "a", "b")
    XCTAssertEqual(rsl(s, "a.history.mask_rate[-1] > 0"), "true")
  }

  /// FixMatch written in RSL through custom(unsup:) reproduces the builtin exactly.
  func testCustomFixMatchMatchesBuiltin() throws {
    let s = try toySession(ConformanceScript.Box())
    rsl(s, """
      fn fm(ctx)
        p = softmax(ctx.weak)
        pl = argmax(p, axis: 1)
        mask = max(p, axis: 1) >= 0.6
        loss = mean(cross_entropy(ctx.strong, pl, reduction: "none") * mask)
        {loss: loss, mask: mask, pseudo_labels: pl}
      end
      a = train(mlp([64, 16, 2], seed: 0), fixmatch(tau: 0.6), \(quick))
      b = train(mlp([64, 16, 2], seed: 0), custom(unsup: fm), \(quick))
      """)
    try assertSameHistory(s, "a", "b")
    XCTAssertEqual(rsl(s, "b.history.mask_rate[-1] > 0"), "true")
    XCTAssertEqual(rsl(s, "b.name"), "\"custom\"")
    // A bare loss is accepted too (no mask statistics then); the context has every field.
    rsl(s, """
      seen = []
      fn plain(ctx)
        if ctx.step == 0
          for k in keys(ctx) append(seen, k) end
        end
        mean(ctx.strong) * 0
      end
      c = train(mlp([64, 16, 2], seed: 0), custom(unsup: plain), \(quick))
      """)
    XCTAssertEqual(rsl(s, "seen"), "[\"weak\", \"strong\", \"labeled\", \"labels\", \"weak_features\", \"strong_features\", \"labeled_features\", \"step\", \"total\", \"classes\", \"model\"]")
    XCTAssertEqual(rsl(s, "c.steps"), "12")
    // views: "weak" hands over a weak view with gradient and no strong view.
    rsl(s, "fn pl(ctx)\n  if ctx.strong != nil\n    error(\"strong given\")\n  end\n  mean(cross_entropy(ctx.weak, argmax(ctx.weak, axis: 1)))\nend\nd = train(mlp([64, 16, 2], seed: 0), custom(unsup: pl, views: \"weak\"), \(quick))")
    XCTAssertEqual(rsl(s, "d.steps"), "12")
  }

  func testCustomErrors() throws {
    let s = try toySession(ConformanceScript.Box())
    let m1 = errorMessage(s, "train(mlp([64, 2]), custom(unsup: fn(ctx) \"no\" end), \(quick))") ?? ""
    XCTAssertTrue(m1.contains("must return the unlabeled loss (a one-element tensor) or a record {loss, mask, pseudo_labels}, got string"), m1)
    let m2 = errorMessage(s, "train(mlp([64, 2]), custom(unsup: fn(ctx) ctx.strong end), \(quick))") ?? ""
    XCTAssertTrue(m2.contains("a loss of shape [8, 2]"), m2)
    let m3 = errorMessage(s, "train(mlp([64, 2]), custom(unsup: fn(ctx) {loss: mean(ctx.strong), mask: [1]} end), \(quick))") ?? ""
    XCTAssertTrue(m3.contains("'mask' of 1 values for 8 unlabeled samples"), m3)
    // An error inside the function is reported with its line.
    let m4 = errorMessage(s, "fn bad(ctx)\n  ctx.weak @ ctx.weak\nend\ntrain(mlp([64, 2]), custom(unsup: bad), \(quick))") ?? ""
    XCTAssertTrue(m4.contains("[8, 2]"), m4)
  }

  /// The checkpoint (step 6) falls between two history rows (steps 4 and 8): the resumed
  /// run's row at step 8 still averages steps 5-8.
  func testResumeEqualsUninterruptedRun() throws {
    let s = try toySession(ConformanceScript.Box())
    let ck = tempPath("ck-{step}.safetensors")
    rsl(s, """
      a = train(mlp([64, 16, 2], seed: 0), flexmatch(tau: 0.6), \(quick), checkpoint_every: 6, checkpoint_path: "\(ck)")
      b = train(mlp([64, 16, 2], seed: 7), flexmatch(tau: 0.6), \(quick), resume: "\(ck.replacingOccurrences(of: "{step}", with: "6"))")
      """)
    try assertSameHistory(s, "a", "b")
    XCTAssertEqual(rsl(s, "to_list(a.model(ones([1, 64]))) == to_list(b.model(ones([1, 64])))"), "true")
    // save_checkpoint writes the final state; resuming a finished run changes nothing.
    let done = tempPath("done.safetensors")
    rsl(s, "save_checkpoint(a, \"\(done)\")\nc = train(mlp([64, 16, 2]), flexmatch(tau: 0.6), \(quick), resume: \"\(done)\")")
    try assertSameHistory(s, "a", "c")
    let m = errorMessage(s, "train(mlp([64, 16, 2]), fixmatch(), \(quick), resume: \"\(done)\")") ?? ""
    XCTAssertTrue(m.contains("was written by flexmatch, not fixmatch"), m)
    XCTAssertEqual(errorMessage(s, "train(mlp([64, 2]), fixmatch(), \(quick), checkpoint_every: 2)"),
                   "bad argument #14 to 'train' (checkpoint_every and checkpoint_path must be given together)")
  }

  func testRSMatchDetectorAndProvenanceColumns() throws {
    let s = try toySession(ConformanceScript.Box())
    rsl(s, "r = train(mlp([64, 16, 2], seed: 0), rsmatch(tau: 0.6, warmup_steps: 4), \(quick))")
    XCTAssertEqual(rsl(s, "keys(r.detector)"), "[\"precision\", \"recall\", \"f1\", \"auc\"]")
    XCTAssertEqual(rsl(s, "r.detector.auc >= 0 and r.detector.auc <= 1"), "true")
    XCTAssertEqual(rsl(s, "h = r.history\n[len(h.det_auc), len(h.pl_acc_real), len(h.mask_rate_syn)]"), "[3, 3, 3]")
    XCTAssertEqual(rsl(s, "r.model.heads"), "[\"main\", \"detector\", \"dummy\"]")
  }

  func testProgressHookAndInterrupt() throws {
    let s = try toySession(ConformanceScript.Box())
    var reports: [TrainProgress] = []
    s.progress = { reports.append($0) }
    rsl(s, "r = train(mlp([64, 2]), fixmatch(), \(quick))")
    XCTAssertEqual(reports.map(\.step), Array(1...12))
    XCTAssertTrue(reports.allSatisfy { $0.total == 12 && $0.stepsPerSecond > 0 })
    XCTAssertNotNil(reports.last?.testAccuracy)
    // Evaluation steps report their loss and mask rate too.
    XCTAssertTrue(reports.allSatisfy { $0.loss.isFinite && $0.maskRate.isFinite }, "\(reports.map(\.loss))")
    // Ctrl-C during step 5 (even inside a custom loss): the run stops at the boundary.
    let out = ConformanceScript.Box()
    let s2 = try toySession(out)
    let token = s2.cancellation
    s2.progress = { p in if p.step == 5 && !p.stopped { token.request() } }
    rsl(s2, "r = train(mlp([64, 2]), custom(unsup: fn(ctx) mean(ctx.strong) * 0 end), \(quick))")
    XCTAssertEqual(rsl(s2, "[r.steps, r.interrupted, r.history.step[-1]]"), "[5, true, 5]")
    XCTAssertTrue(out.text.contains("train: interrupted at step 5 of 12; returning the partial run"), out.text)
    XCTAssertFalse(token.isRequested)
  }

  func testCompareAndSaveHistory() throws {
    let s = try toySession(ConformanceScript.Box())
    rsl(s, "a = train(mlp([64, 2], seed: 0), supervised(), \(quick))\nb = train(mlp([64, 2], seed: 0), fixmatch(tau: 0.6), \(quick), name: \"fm\")")
    let table = rsl(s, "t = compare([a, b])\nt") ?? ""
    let lines = table.split(separator: "\n")
    XCTAssertEqual(lines.count, 4, table)
    XCTAssertTrue(lines[0].hasPrefix("run         steps  final test_acc  best test_acc  best step  seconds"), table)
    XCTAssertTrue(lines[2].hasPrefix("supervised     12"), table)
    XCTAssertTrue(lines[3].hasPrefix("fm             12"), table)
    // Seconds show one decimal (not "4.8000", not "5" for 5.0).
    XCTAssertNotNil(lines[2].wholeMatch(of: /.* \d+\.\d$/), table)
    XCTAssertEqual(MetricDirection(metric: "test_loss"), .lowerIsBetter)
    XCTAssertEqual(MetricDirection(metric: "test_acc"), .higherIsBetter)
    // A failed checkpoint save is reported as the error it is, not as an interruption.
    let m = errorMessage(s, "train(mlp([64, 2]), supervised(), \(quick), checkpoint_every: 2, checkpoint_path: \"/nonexistent/dir/c.safetensors\")") ?? ""
    XCTAssertTrue(m.contains("/nonexistent/dir"), m)
    XCTAssertFalse(s.cancellation.isRequested)
    // A variable hiding a builtin says so when called like it.
    rsl(s, "train = a")
    XCTAssertEqual(errorMessage(s, "train(mlp([64, 2]), supervised(), \(quick))"),
                   "'train' is a variable here (a run) and hides the builtin train(); give the variable another name, or :reset the session, to call the builtin")
    XCTAssertEqual(rsl(s, "t.rows[1].run"), "\"fm\"")
    XCTAssertEqual(rsl(s, "t.rows[1][\"final test_acc\"] == b.final.test_acc"), "true")
    XCTAssertEqual(rsl(s, "compare(a, metric: \"loss\").rows[0][\"best loss\"] == min(a.history.loss)"), "true")
    XCTAssertEqual(errorMessage(s, "compare([a], metric: \"nope\")")?.hasPrefix("bad argument #2 to 'compare' (run supervised has no history column \"nope\" (columns: step, loss,"), true)
    let csv = tempPath("h.csv"), jsonl = tempPath("h.jsonl")
    rsl(s, "save_history(b, \"\(csv)\")\nsave_history(b, \"\(jsonl)\")")
    let c = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n")
    XCTAssertEqual(c.count, 4)
    XCTAssertTrue(c[0].hasPrefix("step,loss,sup_loss,unsup_loss,lr,mask_rate"), String(c[0]))
    XCTAssertTrue(c[3].hasPrefix("12,"))
    let j = try String(contentsOfFile: jsonl, encoding: .utf8).split(separator: "\n")
    XCTAssertEqual(j.count, 3)
    XCTAssertTrue(j[0].hasPrefix("{\"step\": 4, \"loss\": "), String(j[0]))
    XCTAssertEqual(errorMessage(s, "save_history(b, \"h.txt\")"), "bad argument #2 to 'save_history' (a path ending in .csv or .jsonl expected, got \"h.txt\")")
  }

  func testTrainArgumentErrors() throws {
    let s = try toySession(ConformanceScript.Box())
    XCTAssertEqual(errorMessage(s, "train(mlp([64, 2]), fixmatch(), labeled: labeled, steps: 3)"),
                   "bad argument #4 to 'train' (fixmatch needs an unlabeled dataset (unlabeled: ...))")
    XCTAssertEqual(errorMessage(s, "train(mlp([64, 2]), fixmatch(), labeled: labeled)"), "bad argument #6 to 'train' ('steps' expected, got no value)")
    XCTAssertEqual(errorMessage(s, "train(mlp([64, 2]), \"fixmatch\", labeled: labeled, steps: 3)"), "bad argument #2 to 'train' (algorithm expected, got string)")
    XCTAssertEqual(errorMessage(s, "train(mlp([64, 2]), supervised(), labeled: labeled, steps: 0)"), "bad argument #6 to 'train' (an integer >= 1 expected, got 0)")
    XCTAssertEqual(errorMessage(s, "train(mlp([64, 2]), supervised(), labeled: 3, steps: 2)"), "bad argument #3 to 'train' (dataset expected, got number)")
    let m = errorMessage(s, "train(mlp([10, 2]), supervised(), labeled: labeled, steps: 2)") ?? ""
    XCTAssertTrue(m.contains("[4, 64]") || m.contains("must be [N, 10]"), m)
    XCTAssertEqual(errorMessage(s, "evaluate(mlp([64, 3]), test)")?.contains("the model has 3 outputs but test has 2 classes"), true)
  }

  /// Every history column of two runs is identical (except wall-clock time).
  func assertSameHistory(_ s: Session, _ a: String, _ b: String, file: StaticString = #filePath, line: UInt = #line) throws {
    guard case .object(let oa)? = s.value(of: a), let ra = oa as? RunObject,
          case .object(let ob)? = s.value(of: b), let rb = ob as? RunObject else {
      return XCTFail("\(a) and \(b) are not runs", file: file, line: line)
    }
    let ha = ra.run.history, hb = rb.run.history
    XCTAssertEqual(ha.columns, hb.columns, file: file, line: line)
    XCTAssertGreaterThan(ha.rows, 0, file: file, line: line)
    for c in ha.columns where c != "time" {
      let x = ha[c] ?? [], y = hb[c] ?? []
      XCTAssertEqual(x.count, y.count, c, file: file, line: line)
      for (u, v) in zip(x, y) where !(u.isNaN && v.isNaN) {
        XCTAssertEqual(u, v, "column \(c): \(x) vs \(y)", file: file, line: line)
      }
    }
  }
}
