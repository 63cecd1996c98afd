import Runtime

extension BuiltinRegistry {
  static func registerSSL(_ r: BuiltinRegistry) {
    let c = "ssl"
    r.add("supervised()", category: c, doc: "The supervised-only baseline: labeled cross-entropy, no unlabeled loss.",
          example: "algo = supervised()") { _ in .object(try AlgorithmObject { Supervised() }) }
    r.add("pseudo_label(tau: 0.95, lambda_u: 1)", category: c,
          doc: "Pseudo-Label (Lee 2013): hard labels of confident weak-view predictions, weight ramped up over the first 40% of steps.",
          example: "algo = pseudo_label(tau: 0.9)") { a in
      let tau = try SSLBindings.fraction(&a, 0), l = try SSLBindings.weight(&a, 1)
      return .object(try AlgorithmObject { PseudoLabel(tau: tau, lambdaU: l) })
    }
    r.add("fixmatch(tau: 0.95, lambda_u: 1)", category: c,
          doc: "FixMatch: confident weak-view predictions (max prob >= tau) are hard targets for the strong view.",
          example: "algo = fixmatch(tau: 0.95)") { a in
      let tau = try SSLBindings.fraction(&a, 0), l = try SSLBindings.weight(&a, 1)
      return .object(try AlgorithmObject { FixMatch(tau: tau, lambdaU: l) })
    }
    r.add("flexmatch(tau: 0.95, lambda_u: 1, threshold_warmup: true)", category: c,
          doc: "FlexMatch: FixMatch with class-wise thresholds scaled by each class's learning status (curriculum pseudo-labelling).",
          example: "algo = flexmatch()") { a in
      let tau = try SSLBindings.fraction(&a, 0), l = try SSLBindings.weight(&a, 1), w = try a.bool(2)
      return .object(try AlgorithmObject { FlexMatch(tau: tau, lambdaU: l, thresholdWarmup: w) })
    }
    r.add("freematch(lambda_u: 1, lambda_e: 0.001, momentum: 0.999)", category: c,
          doc: "FreeMatch: self-adaptive global and class-wise thresholds from EMA confidence statistics, with a fairness term.",
          example: "algo = freematch()") { a in
      let l = try SSLBindings.weight(&a, 0), e = try SSLBindings.weight(&a, 1), m = try SSLBindings.fraction(&a, 2)
      return .object(try AlgorithmObject { FreeMatch(lambdaU: l, lambdaE: e, momentum: m) })
    }
    r.add("softmatch(lambda_u: 1, momentum: 0.999, n_sigma: 2)", category: c,
          doc: "SoftMatch: soft truncated-Gaussian sample weights from EMA confidence statistics, with uniform alignment.",
          example: "algo = softmatch()") { a in
      let l = try SSLBindings.weight(&a, 0), m = try SSLBindings.fraction(&a, 1), s = try SSLBindings.weight(&a, 2)
      return .object(try AlgorithmObject { SoftMatch(lambdaU: l, momentum: m, nSigma: s) })
    }
    r.add("rsmatch(tau: 0.95, lambda_u: 1, lambda_syn: 0.25, lambda_det: 1, detect_threshold: 0.5, warmup_steps: nil, queue_size: 64, queue_per_step: 4, classwise_queue: true, queue_bootstrap: \"pu\", dummy: true, dummy_targets: \"main\", routing: \"detector\", detector_grad: false, detector_hidden: 64, queue_items: \"features\", detector_negatives: \"labeled\", dummy_init: \"random\")",
          category: c,
          doc: "RSMatch: a synthetic-vs-real detector head trained from a class-wise queue routes samples judged synthetic to a dummy head.",
          help: """
            warmup_steps nil means 10% of the run. queue_bootstrap "pu" or "low_confidence"; dummy_targets "main" or "dummy"; \
            routing "detector", "oracle" (true provenance: an upper bound) or "none" (= FixMatch); dummy: false drops \
            synthetic-routed samples; lambda_syn 0.25 was chosen on a validation split (docs/results.md); detector_hidden 0 makes the detector linear. \
            routing "oracle" with dummy: false is oracle dropping. Design variants: queue_items "images" re-forwards queued \
            samples through the backbone with gradient (default "features": detached features); detector_negatives \
            "confident" adds the unlabeled samples the detector is surest are real to its real side; dummy_init "main" \
            copies the main head into the dummy head when warm-up ends. See docs/rsmatch.md.
            """,
          example: "algo = rsmatch(queue_size: 32, classwise_queue: false)") { a in
      let tau = try SSLBindings.fraction(&a, 0)
      let lu = try SSLBindings.weight(&a, 1), ls = try SSLBindings.weight(&a, 2), ld = try SSLBindings.weight(&a, 3)
      let thr = Float(try a.number(4))
      let warm = try a.optionalInt(5)
      if let w = warm, w < 0 { throw a.error(5, "non-negative step count expected, got \(w)") }
      let qs = try a.int(6), qp = try a.int(7), cw = try a.bool(8), boot = try a.string(9)
      let dummy = try a.bool(10), targets = try a.string(11), routing = try a.string(12)
      let grad = try a.bool(13), hidden = try a.int(14)
      let items = try a.string(15), negatives = try a.string(16), dummyInit = try a.string(17)
      return .object(try AlgorithmObject {
        let m = RSMatch()
        m.tau = tau; m.lambdaU = lu; m.lambdaSyn = ls; m.lambdaDet = ld; m.detectThreshold = thr
        m.warmupSteps = warm; m.queueSize = qs; m.queuePerStep = qp; m.classwiseQueue = cw
        m.queueBootstrap = boot; m.useDummy = dummy; m.dummyTargets = targets; m.routing = routing
        m.detectorGrad = grad; m.detectorHidden = hidden
        m.queueItems = items; m.detectorNegatives = negatives; m.dummyInit = dummyInit
        try m.validate()
        return m
      })
    }
    r.add("custom(unsup:, views: \"weak_strong\")", category: c,
          doc: "An SSL method whose unlabeled loss is an RSL function f(ctx), called every training step.",
          help: """
            ctx is a record of the step's tensors (autodiff on): weak (weak-view logits [U, C], detached), strong \
            (strong-view logits [U, C]), labeled (labeled logits [B, C]), labels ([B]), weak_features, strong_features, \
            labeled_features, step (0-based), total, classes, model (the live model). f returns the unlabeled loss \
            (a one-element tensor) or a record {loss, mask, pseudo_labels} (per unlabeled sample, [U]) so the history \
            gets mask_rate and pseudo-label accuracy. views: "weak" gives only a weak view, which then carries the \
            gradient (strong is nil). The trainer adds the supervised loss, steps the optimizer and keeps the EMA.
            """,
          example: "fn fm(ctx)\n  p = softmax(ctx.weak)\n  pl = argmax(p, axis: 1)\n  mask = max(p, axis: 1) >= 0.95\n  {loss: mean(cross_entropy(ctx.strong, pl, reduction: \"none\") * mask), mask: mask, pseudo_labels: pl}\nend\nalgo = custom(unsup: fm)") { a in
      let f = try a.function(0)
      let views: UnlabeledViews
      switch try a.string(1) {
      case "weak_strong": views = .weakAndStrong
      case "weak": views = .weak
      case let v: throw a.error(1, "views must be \"weak_strong\" or \"weak\", got \"\(v)\"")
      }
      let ctx = a.context
      return .object(try AlgorithmObject { CustomAlgorithm(function: f, views: views, context: ctx) })
    }
    registerOpenSet(r)
    registerTraining(r)
  }
}

enum SSLBindings {
  /// A number in [0, 1] (thresholds, momenta).
  static func fraction(_ a: inout Arguments, _ i: Int) throws(ScriptError) -> Float {
    let v = try a.number(i)
    guard v >= 0, v <= 1 else { throw a.error(i, "a value in [0, 1] expected, got \(Value.formatNumber(v))") }
    return Float(v)
  }

  /// A non-negative finite number (loss weights).
  static func weight(_ a: inout Arguments, _ i: Int) throws(ScriptError) -> Float {
    let v = try a.number(i)
    guard v >= 0, v.isFinite else { throw a.error(i, "a non-negative number expected, got \(Value.formatNumber(v))") }
    return Float(v)
  }

  /// One run or a list of runs.
  static func runs(_ a: inout Arguments, _ i: Int) throws(ScriptError) -> [RunObject] {
    if case .object(let o) = a[i], let r = o as? RunObject { return [r] }
    guard case .list(let l) = a[i] else { throw a.typeError(i, "run or list of runs") }
    var out: [RunObject] = []
    for v in l.items {
      guard case .object(let o) = v, let r = o as? RunObject else {
        throw a.error(i, "list of runs expected, got a list containing \(v.typeName)")
      }
      out.append(r)
    }
    guard !out.isEmpty else { throw a.error(i, "at least one run expected") }
    return out
  }
}
