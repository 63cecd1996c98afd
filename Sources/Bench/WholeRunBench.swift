import Foundation
import Interpreter
import Runtime

/// What a user waits for: whole training runs, not steps.
enum WholeRunBench {
  /// The tutorial-03 FixMatch run (tutorials/03-fixmatch.rsl's setup): convnet width 32,
  /// 40 labeled images per class, 20,000 unlabeled, batch 64, μ 7, RandAugment + Cutout,
  /// EMA, evaluation on 2,000 test images every 50 steps, `steps` steps; run as RSL through
  /// the interpreter's `Session`, including loading Fashion-MNIST. Returns (seconds, the last
  /// evaluation's accuracy), nil when the data set is absent.
  static func tutorialFixMatch(steps: Int) throws -> (seconds: Double, accuracy: String)? {
    guard (try? Dataset.fashionMNIST(split: "test")) != nil else { return nil }
    let session = Session(output: { _ in })
    let program = """
      train_set = fashion_mnist(split: "train")
      test_full = fashion_mnist(split: "test")
      labeled, unlabeled = ssl_split(train_set, per_class: 40, seed: 0, unlabeled: 20000)
      test = take(shuffle(test_full, seed: 0), 2000)
      fm = train(convnet(seed: 0), fixmatch(tau: 0.95), labeled: labeled, unlabeled: unlabeled,
                 steps: \(steps), eval: test, eval_every: 50, seed: 0, name: "fixmatch")
      fm.history.test_acc[-1]
      """
    var echo: String? = nil
    let seconds = try Stats.seconds { echo = try session.run(program, file: "<bench-run>").echo }
    return (seconds, echo ?? "?")
  }

  /// Seconds per training step of the research configuration (FixMatch, convnet width 16,
  /// batch 32, μ 7) with one BLAS thread and one kernel worker: the median of `steps`
  /// measured steps after a warm-up (multiply by 1,500 for a run: an extrapolation).
  static func researchStep(steps: Int) throws -> Double {
    let saved = BLASThreads.count
    BLASThreads.count = 1
    defer { BLASThreads.count = saved }
    let trainer = try FixMatchStepBench.trainer(width: 16, batch: 32, warmup: 2)
    return Stats.median(try FixMatchStepBench.time(trainer, steps: steps))
  }
}

/// The language's own speed: the scalar loop with a call, and the start-up of the binary.
enum LoopBench {
  /// The loop of scripts/bench/dsl_loop.rsl, as RSL source: inside a function (locals), as
  /// the CPython peer runs it.
  static let program = """
    fn f(x) x * 2 + 1 end
    fn loop_with_call()
      s = 0
      for i in 0..1000000
        s = s + f(i) % 7
      end
      s
    end
    loop_with_call()
    """

  /// Seconds of the loop through `Session` (best of `repeats`, after a warm-up), and its result.
  static func run(repeats: Int) throws -> (seconds: Double, result: String) {
    var echo: String? = nil
    let t = try Timing.best(repeats: repeats) {
      let session = Session(output: { _ in })
      echo = try session.run(program, file: "<bench-loop>").echo
    }
    return (t, echo ?? "?")
  }

  /// Milliseconds from spawning `rslab` on an empty script to its exit (median of
  /// `repeats`), nil if the binary is not next to rslab-bench.
  static func startup(repeats: Int) -> Double? {
    let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    let binary = dir.appendingPathComponent("rslab").path
    guard FileManager.default.isExecutableFile(atPath: binary) else { return nil }
    let script = NSTemporaryDirectory() + "rslab-bench-empty-\(getpid()).rsl"
    guard FileManager.default.createFile(atPath: script, contents: Data("s = 1\n".utf8)) else { return nil }
    defer { try? FileManager.default.removeItem(atPath: script) }
    // posix_spawn + waitpid: Foundation's Process.waitUntilExit polls its run loop and adds
    // tens of milliseconds to a short child.
    var samples: [Double] = []
    for _ in 0..<max(1, repeats) {
      var pid: pid_t = 0
      var status: Int32 = 0
      var actions: posix_spawn_file_actions_t = posix_spawn_file_actions_t()
      posix_spawn_file_actions_init(&actions)
      posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
      posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
      defer { posix_spawn_file_actions_destroy(&actions) }
      let argv: [UnsafeMutablePointer<CChar>?] = [strdup(binary), strdup(script), nil]
      defer { for a in argv { free(a) } }
      let t = Stats.seconds {
        guard posix_spawn(&pid, binary, &actions, nil, argv, environ) == 0 else { pid = 0; return }
        waitpid(pid, &status, 0)
      }
      if pid == 0 || status != 0 { return nil }
      samples.append(t * 1e3)
    }
    return Stats.median(samples)
  }
}

/// The CPython side of the loop row: `python torch_peers.py loop` (no torch needed).
enum CPythonLoop {
  /// Best seconds of `repeats` runs, nil on failure.
  static func seconds(python: String, repeats: Int) -> Double? {
    let runs = (0..<max(1, repeats)).compactMap { _ in TorchReference.figure(python: python, ["loop"], key: "seconds", threads: 1) }
    return runs.min()
  }

  /// python3.11, else python3, from PATH.
  static func findPython() -> String? {
    let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":")
    for name in ["python3.11", "python3"] {
      for d in dirs where FileManager.default.isExecutableFile(atPath: "\(d)/\(name)") { return "\(d)/\(name)" }
    }
    return nil
  }
}
