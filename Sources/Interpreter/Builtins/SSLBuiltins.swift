import Runtime

extension BuiltinRegistry {
  static func registerSSL(_ r: BuiltinRegistry) {
    let c = "ssl"
    r.add("supervised()", category: c, doc: "The supervised-only baseline: labeled cross-entropy, no unlabeled loss.",
          example: "algo = supervised()") { _ in .object(try AlgorithmObject { Supervised() }) }
    r.addAlgorithm({ PseudoLabel() }, category: c,
          doc: "Pseudo-Label (Lee 2013): hard labels of confident weak-view predictions, weight ramped up over the first 40% of steps.",
          example: "algo = pseudo_label(tau: 0.9)")
    r.addAlgorithm({ FixMatch() }, category: c,
          doc: "FixMatch: confident weak-view predictions (max prob >= tau) are hard targets for the strong view.",
          example: "algo = fixmatch(tau: 0.95)")
    r.addAlgorithm({ FlexMatch() }, category: c,
          doc: "FlexMatch: FixMatch with class-wise thresholds scaled by each class's learning status (curriculum pseudo-labelling).",
          example: "algo = flexmatch()")
    r.addAlgorithm({ FreeMatch() }, category: c,
          doc: "FreeMatch: self-adaptive global and class-wise thresholds from EMA confidence statistics, with a fairness term.",
          example: "algo = freematch()")
    r.addAlgorithm({ SoftMatch() }, category: c,
          doc: "SoftMatch: soft truncated-Gaussian sample weights from EMA confidence statistics, with uniform alignment.",
          example: "algo = softmatch()")
    r.addAlgorithm({ RSMatch() }, category: c,
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
          example: "algo = rsmatch(queue_size: 32, classwise_queue: false)")
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
      let name = try a.string(1)
      guard let views = UnlabeledViews(optionName: name) else {
        throw a.error(1, OptionProblem.notAChoice(name, UnlabeledViews.optionNames).message(option: "views"))
      }
      let ctx = a.context
      return .object(try AlgorithmObject { CustomAlgorithm(function: f, views: views, context: ctx) })
    }
    registerOpenSet(r)
    registerTraining(r)
  }
}

enum SSLBindings {
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
