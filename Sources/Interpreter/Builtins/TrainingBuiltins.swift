import Runtime

extension BuiltinRegistry {
  static func registerTraining(_ r: BuiltinRegistry) {
    let c = "ssl"
    r.add("train", leading: TrainBinding.leading, options: TrainConfig.options.map(\.spec), trailing: TrainBinding.trailing,
          category: c, doc: "Trains a model in place with an SSL algorithm and returns the run (history, EMA model, final metrics).",
          help: """
            One step: a labeled batch (weak augmentation) and mu·batch unlabeled images (weak + strong views), \
            supervised cross-entropy plus the algorithm's unlabeled loss, SGD (momentum 0.9, Nesterov, weight decay \
            5e-4) on FixMatch's cosine schedule, then the EMA update. Every eval_every steps and at the end a history \
            row is logged and the EMA model evaluated on `eval`. ema: 0 evaluates the live model. \
            checkpoint_every/checkpoint_path write a resumable checkpoint (a "{step}" in the path is replaced by the \
            step, keeping one file per checkpoint); resume: a checkpoint path continues that run exactly (same model \
            architecture, algorithm, data, steps and seed). Ctrl-C stops at a step boundary and returns the partial \
            run. name: the run's name in legends and compare (default: the algorithm's). Under `mpirun -np K` each \
            rank trains on 1/K of every batch and the gradients are averaged (batch must divide by K); sync_bn: true \
            computes batch-norm statistics over all ranks' rows; only rank 0 writes checkpoints and shows progress. \
            shards: K runs the same K-way split inside one process (batch norm per shard, as K ranks without sync_bn).
            """,
          example: "ds = from_tensors(rand([32, 1, 8, 8], seed: 0), range(32) |> map(fn(i) i % 2 end))\nrun = train(mlp([64, 2]), supervised(), labeled: ds, steps: 4, batch: 8, eval: ds, eval_every: 2)") { a in
      try TrainBinding.train(&a)
    }
    r.add("save_checkpoint(run, path)", category: c, doc: "Writes a checkpoint of a run that train(..., resume: path) continues exactly.",
          help: "Holds the live and EMA weights, optimizer and algorithm state, sampler positions and RNGs, step and history (one safetensors file, written atomically).",
          example: "save_checkpoint(run, \"/tmp/rslab-run.safetensors\")", needsFiles: true) { a in
      let run = try a.object(0, as: RunObject.self, expected: "run")
      try run.trainer.saveCheckpoint(path: try a.string(1))
      return .null
    }
    r.add("evaluate(model, ds)", category: c, doc: "Accuracy (a fraction), mean cross-entropy and per-class accuracy of a model on a dataset.",
          help: "Runs in evaluation mode without gradient, with the normalisation the model was trained with. Returns {accuracy, loss, per_class}.",
          example: "ds = from_tensors(rand([8, 1, 4, 4], seed: 0), [0, 1, 0, 1, 0, 1, 0, 1])\nevaluate(mlp([16, 2]), ds).accuracy") { a in
      let m = try ModelBindings.model(&a, 0), d = try a.dataset(1)
      let e = try Evaluation.evaluate(m, d, cancellation: a.context.cancellation)
      return .record([("accuracy", .number(e.accuracy)), ("loss", .number(e.loss)),
                      ("per_class", .list(e.perClass.map { .number($0) }))])
    }
    r.add("predict(model, ds)", category: c, doc: "The predicted class of every image of a dataset, as a tensor [N].",
          example: "ds = from_tensors(rand([4, 1, 4, 4], seed: 0), [0, 1, 0, 1])\npredict(mlp([16, 2]), ds)") { a in
      let m = try ModelBindings.model(&a, 0), d = try a.dataset(1)
      let p = try Evaluation.predict(m, d, cancellation: a.context.cancellation)
      return .tensor(Tensor(shape: [p.count], values: p.map(Float.init)))
    }
    r.add("confusion(model, ds)", category: c, doc: "The confusion matrix [C, C]: row = true class, column = predicted class, values = counts.",
          example: "ds = from_tensors(rand([4, 1, 4, 4], seed: 0), [0, 1, 0, 1])\nconfusion(mlp([16, 2]), ds)") { a in
      let m = try ModelBindings.model(&a, 0), d = try a.dataset(1)
      let cm = try Evaluation.confusion(m, d, cancellation: a.context.cancellation)
      return .tensor(Tensor(shape: [cm.count, cm.count], values: cm.flatMap { $0.map(Float.init) }))
    }
    r.add("compare(runs, metric: \"test_acc\")", category: "runs", doc: "A table of runs: steps, final and best value of a history metric, time.",
          help: "Best is the maximum, or the minimum for metrics whose name contains \"loss\". The table displays as aligned text; t.rows gives records.",
          example: "ds = from_tensors(rand([16, 1, 4, 4], seed: 0), range(16) |> map(fn(i) i % 2 end))\nr1 = train(mlp([16, 2]), supervised(), labeled: ds, steps: 2, batch: 4, eval: ds)\ncompare([r1], metric: \"test_acc\")") { a in
      let runs = try SSLBindings.runs(&a, 0)
      let metric = try a.string(1)
      return .object(try TrainBinding.compare(runs, metric: MetricDirection(metric: metric), name: metric, a))
    }
    r.add("save_history(run, path)", category: "runs", doc: "Writes a run's history as CSV (.csv) or JSON lines (.jsonl), atomically.",
          example: "save_history(run, \"/tmp/rslab-history.csv\")", needsFiles: true) { a in
      let run = try a.object(0, as: RunObject.self, expected: "run")
      let path = try a.string(1)
      // Every rank of a data-parallel run holds the same history; rank 0 writes it.
      guard World.isLeader else { return .null }
      let h = run.run.history
      if path.hasSuffix(".csv") {
        try AtomicWrite.write(h.csv(), to: path)
      } else if path.hasSuffix(".jsonl") || path.hasSuffix(".json") {
        try AtomicWrite.write(h.jsonLines(), to: path)
      } else {
        throw a.error(1, "a path ending in .csv or .jsonl expected, got \"\(path)\"")
      }
      return .null
    }
  }
}

/// The `train` builtin's body.
enum TrainBinding {
  /// The parameters before and after the declared `TrainConfig.options`.
  static let leading = ["model", "algo", "labeled:", "unlabeled: nil", "eval: nil"]
  static let trailing = ["resume: nil", "name: nil"]

  static func train(_ a: inout Arguments) throws -> Value {
    let modelObject = try a.object("model", as: ModelObject.self, expected: "model")
    let algo = try a.object("algo", as: AlgorithmObject.self, expected: "algorithm")
    let labeled = try a.dataset(a.position("labeled"))
    let unlabeled = try a.optionalDataset(a.position("unlabeled"))
    let evalSet = try a.optionalDataset(a.position("eval"))
    var cfg = TrainConfig(steps: 1)
    for o in TrainConfig.options {
      do { try o.set(&cfg, try a.option(o.spec)) } catch let p as OptionProblem {
        throw a.error(o.spec.name, p.message(option: o.spec.name))
      }
    }
    if (cfg.checkpointEvery == nil) != (cfg.checkpointPath == nil) {
      throw a.error(cfg.checkpointEvery == nil ? "checkpoint_every" : "checkpoint_path",
                    "checkpoint_every and checkpoint_path must be given together")
    }
    let resume = try a.optionalString("resume")
    let name = try a.optionalString("name")
    let algorithm = try algo.make()
    if algorithm.views != .none && unlabeled == nil {
      throw a.error("unlabeled", "\(algo.name) needs an unlabeled dataset (unlabeled: ...)")
    }
    let trainer = try Trainer(model: modelObject.model, algorithm: algorithm, labeled: labeled, unlabeled: unlabeled,
                              eval: evalSet, config: cfg)
    if let resume { try trainer.loadCheckpoint(path: resume) }
    let context = a.context
    let run = try trainer.run(cancellation: context.cancellation, progress: context.progress)
    if run.interrupted {
      context.write("train: interrupted at step \(run.steps) of \(cfg.steps); returning the partial run\n")
    }
    return .object(RunObject(run: run, trainer: trainer, name: name ?? algo.name))
  }

  static func compare(_ runs: [RunObject], metric direction: MetricDirection, name metric: String, _ a: Arguments) throws -> TableObject {
    let lowerIsBetter = direction == .lowerIsBetter
    var rows: [[Value]] = []
    for r in runs {
      let h = r.run.history
      guard let col = h[metric] else {
        throw a.error(1, "run \(r.name) has no history column \"\(metric)\" (columns: \(h.columns.joined(separator: ", ")))")
      }
      let steps = h["step"] ?? []
      var best = Double.nan, bestStep = Double.nan
      for (k, v) in col.enumerated() where !v.isNaN {
        if best.isNaN || (lowerIsBetter ? v < best : v > best) { best = v; bestStep = k < steps.count ? steps[k] : .nan }
      }
      rows.append([.string(r.name), .number(Double(r.run.steps)), .number(h.last(metric) ?? .nan),
                   .number(best), .number(bestStep), .number((r.run.seconds * 10).rounded() / 10)])
    }
    return TableObject(header: ["run", "steps", "final " + metric, "best " + metric, "best step", "seconds"], rows: rows,
                       decimals: [nil, nil, nil, nil, nil, 1])
  }
}

/// Whether a larger or a smaller value of a history metric is better (`compare`'s "best").
enum MetricDirection {
  case higherIsBetter, lowerIsBetter

  /// Losses are lower-is-better, every other column (accuracies, rates, AUC) higher-is-better.
  init(metric: String) { self = metric.hasSuffix("loss") ? .lowerIsBetter : .higherIsBetter }
}
