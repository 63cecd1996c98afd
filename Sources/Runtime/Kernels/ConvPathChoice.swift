import Foundation
import Synchronization

/// The algorithm computing one pass of a convolution.
public enum ConvPath: String, Sendable {
  /// im2col + gemm (`ConvKernels`): every geometry.
  case direct
  /// Winograd F(2x2, 3x3) (`WinogradKernels`): 3x3 kernels with stride 1 and padding 1.
  case winograd
}

/// Which algorithm each convolution pass uses.
///
/// The default (`rule`) is a fixed rule, so that a seed gives the same run in every process:
/// Winograd for every 3x3 stride-1 padding-1 convolution with at least `ruleMinInputChannels`
/// input channels (measured 1.2-1.5x the direct rate on convnet's conv2-conv4,
/// docs/performance.md), the direct path otherwise (conv1's one input channel makes every
/// Winograd gemm an outer product: 31% of sgemm). `auto` measures instead: the first call of
/// a pass (forward, or the weight gradient; the input gradient is a forward convolution of its
/// own geometry) times both, three times each alternately, keeps the faster and caches it by
/// shape for the rest of the process; a new process measures again and, on a loaded machine,
/// may choose differently (the two algorithms round differently, by about 1e-6 relative, and
/// a long run amplifies that). Set with the environment variable `RSLAB_CONV_PATH` = `rule`,
/// `auto`, `direct` or `winograd`, or `ConvPathChoice.mode`. Geometries Winograd does not
/// cover always take the direct path.
public enum ConvPathChoice {
  /// How the path is chosen.
  public enum Mode: String, Sendable {
    case rule, auto, direct, winograd
  }

  /// The fewest input channels for which `rule` takes Winograd.
  public static let ruleMinInputChannels = 4

  /// The pass a choice is for.
  enum Pass: String, Hashable { case forward = "fwd", weightGradient = "dw" }

  struct Key: Hashable {
    let g: ConvGeometry
    let pass: Pass
  }

  private struct State {
    var mode: Mode
    var chosen: [Key: ConvPath] = [:]
    var order: [Key] = []
  }

  private static let state = Mutex(State(mode: initialMode))
  /// Timings per path at first use, alternating; the fastest of each counts. Three rounds
  /// keep one descheduled run on a shared machine from deciding the choice.
  static let measureRounds = 3
  private static let winogradCalls = Atomic<Int>(0)

  /// `RSLAB_CONV_PATH` from the environment; unset or unknown means `rule`.
  static var initialMode: Mode {
    ProcessInfo.processInfo.environment["RSLAB_CONV_PATH"].flatMap { Mode(rawValue: $0.lowercased()) } ?? .rule
  }

  /// The current mode (from `RSLAB_CONV_PATH` at start). Setting it does not forget
  /// choices already measured; they apply again when the mode returns to `auto`.
  public static var mode: Mode {
    get { state.withLock { $0.mode } }
    set { state.withLock { $0.mode = newValue } }
  }

  /// How many Winograd passes have run in this process (the CI guard checks that a forced
  /// Winograd step really runs them).
  public static var winogradCallCount: Int { winogradCalls.load(ordering: .relaxed) }

  static func countWinogradCall() { winogradCalls.add(1, ordering: .relaxed) }

  /// The choices measured so far, in order, one line each: "fwd 64x32x28x28 -> 32 3x3: winograd".
  public static var report: [String] {
    state.withLock { s in
      s.order.map { k in
        "\(k.pass.rawValue) \(k.g.n)x\(k.g.cin)x\(k.g.h)x\(k.g.w) -> \(k.g.cout) \(k.g.kh)x\(k.g.kw): \(s.chosen[k]!.rawValue)"
      }
    }
  }

  /// The path for a pass of `g`. In `rule` mode the fixed rule decides; in `auto` mode the first call for a shape runs `run` with
  /// each path (each overwrites the same outputs) and caches the faster; the caller then
  /// computes its result with the returned path.
  static func path(_ g: ConvGeometry, _ pass: Pass, measure run: (ConvPath) -> Void) -> ConvPath {
    guard WinogradKernels.applies(g) else { return .direct }
    let key = Key(g: g, pass: pass)
    let (mode, known) = state.withLock { ($0.mode, $0.chosen[key]) }
    switch mode {
    case .direct: return .direct
    case .winograd: return .winograd
    case .rule: return g.cin >= ruleMinInputChannels ? .winograd : .direct
    case .auto: if let known { return known }
    }
    var best: [ConvPath: Double] = [.direct: .infinity, .winograd: .infinity]
    for _ in 0..<measureRounds {
      for p in [ConvPath.direct, .winograd] {
        let t0 = DispatchTime.now().uptimeNanoseconds
        run(p)
        best[p] = min(best[p]!, Double(DispatchTime.now().uptimeNanoseconds - t0))
      }
    }
    let measured: ConvPath = best[.winograd]! < best[.direct]! ? .winograd : .direct
    // Another thread may have measured the same shape meanwhile: the first stored wins.
    return state.withLock { s in
      if let earlier = s.chosen[key] { return earlier }
      s.chosen[key] = measured
      s.order.append(key)
      return measured
    }
  }
}
