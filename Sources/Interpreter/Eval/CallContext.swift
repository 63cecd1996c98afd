#if canImport(Glibc)
import Glibc
#endif
import Runtime

/// Limits that keep a run bounded; the mutation test lowers them.
public struct Limits: Sendable {
  /// Nested calls deeper than this are an error ("recursion too deep").
  public var maxCallDepth = 800
  /// Loop iterations plus calls per `Session.run`; nil for no limit (the default).
  public var maxSteps: Int? = nil
  /// The most elements `range` or list/string repetition may build.
  public var maxCollection = 20_000_000
  public init() {}
}

/// The state a running program and its builtins share: globals, sinks, the global random
/// seed, limits. Builtins reach it as `arguments.context`; use `call` to run a function
/// value (a callback such as `map`'s `f`) with the language's own error handling.
public final class CallContext {
  let registry: BuiltinRegistry
  let globals: Globals
  var sources: [SourceFile] = []
  var output: (String) -> Void
  var imageSink: (String) -> Void
  /// Extra command-line arguments (`args()`).
  public internal(set) var scriptArguments: [String] = []
  /// The generator used by `rand`/`randn`/... when no `seed:` is given; `seed(n)` resets it.
  public var rng = RNG(seed: 0)
  var limits = Limits()
  var depth = 0
  var steps = 0
  var stepBudget = Int.max
  /// While true, Ctrl-C is left pending instead of stopping the language at the next tick:
  /// a callback inside a training step (custom SSL losses) finishes, and the trainer stops
  /// at the step boundary.
  var holdInterrupts = false
  /// Requests to stop (Ctrl-C, a notebook interrupt), polled at loop back-edges and passed
  /// to long Runtime computations.
  public let cancellation: CancellationToken
  /// The sweep cell being run (`sweep_params` / `sweep_record`); nil outside a sweep.
  var sweepCell: SweepCell?
  /// Receives training progress (`train`); the Shell draws a bar or prints lines.
  public var progress: ((TrainProgress) -> Void)?
  /// PNG paths already reported during the current `Session.run` (so echoing an image
  /// value does not report it twice).
  var emittedImages: Set<String> = []
  /// The lowest stack address we allow before refusing deeper calls (native stack guard).
  var stackFloor: UInt = 0

  init(registry: BuiltinRegistry, output: @escaping (String) -> Void, imageSink: @escaping (String) -> Void,
       cancellation: CancellationToken = CancellationToken()) {
    self.registry = registry
    self.cancellation = cancellation
    self.globals = Globals(registry: registry)
    self.output = output
    self.imageSink = imageSink
  }

  /// Writes text to the session's output (what `print` uses).
  public func write(_ text: String) { output(text) }

  /// Reports a PNG file a builtin produced (notebooks embed it).
  public func emitImage(path: String) {
    emittedImages.insert(path)
    imageSink(path)
  }

  /// A fresh generator for an op without an explicit seed, drawn from the global one.
  public func nextGenerator() -> RNG { RNG(seed: rng.next()) }

  /// Calls a function value (closure, builtin or callable object) with positional and
  /// keyword arguments.
  public func call(_ function: Value, _ arguments: [Value], keywords: [(String, Value)] = []) throws -> Value {
    try invoke(function, arguments, keywords, at: nil)
  }

  /// Counts a loop iteration or call; polls Ctrl-C and the step budget.
  @inline(__always) func tick() throws {
    steps &+= 1
    if steps > stepBudget { throw ScriptError(.stepLimit(limits.maxSteps ?? 0)) }
    // A plain load first: the exchange that consumes a request is a locked instruction,
    // needless on the (almost always) clear flag.
    if !holdInterrupts && cancellation.isRequested && cancellation.take() {
      throw ScriptError(.interrupted)
    }
  }

  func invoke(_ callee: Value, _ args: [Value], _ keywords: [(String, Value)], at span: SourceSpan?) throws -> Value {
    switch callee {
    case .closure(let c):
      let code = c.code
      guard args.count <= code.parameterCount else {
        throw ScriptError(.arguments(function: code.name, message: "takes \(code.parameters.count) argument\(code.parameters.count == 1 ? "" : "s"), got \(args.count)"))
      }
      let frame = code.makeFrame(parent: c.environment)
      for i in args.indices { frame.slots[i] = args[i] }
      for (k, v) in keywords {
        guard let i = code.parameters.firstIndex(of: k) else {
          let hint = Suggest.closest(to: k, in: code.parameters).map { " (did you mean '\($0)'?)" } ?? ""
          throw ScriptError(.arguments(function: code.name, message: "unknown keyword argument '\(k)'\(hint)"))
        }
        guard frame.slots[i] == nil else {
          throw ScriptError(.arguments(function: code.name, message: "argument '\(k)' given twice"))
        }
        frame.slots[i] = v
      }
      try fillDefaults(code, frame)
      let result = try run(code, frame)
      code.recycle(frame)
      return result
    case .builtin(let b):
      return try b.invoke(args, keywords, context: self)
    case .object(let o):
      guard keywords.isEmpty else {
        throw ScriptError(.arguments(function: o.typeName, message: "a \(o.typeName) takes no keyword arguments"))
      }
      if let v = try o.call(args, context: self) { return v }
      throw ScriptError(.notCallable(type: o.typeName))
    default:
      throw ScriptError(.notCallable(type: callee.typeName))
    }
  }

  /// Calls a function value with one positional argument (the commonest call in a loop),
  /// the other parameters taking their defaults. `closure` stays borrowed for the whole
  /// call, so its code needs no retain of its own.
  func call(_ closure: Closure, argument: Value) throws -> Value {
    try callWithOne(closure, argument)
  }

  /// `call(_:argument:)` with a number (a loop counter): the number is written into the
  /// frame's slot as is, without the calls that copy a value of unknown kind.
  func call(_ closure: Closure, number: Double) throws -> Value {
    try callWithOne(closure, .number(number))
  }

  /// Both of the above: `argument` fills the first parameter, defaults the rest.
  @inline(__always) private func callWithOne(_ closure: Closure, _ argument: Value) throws -> Value {
    let code = closure.code
    let frame = code.makeFrame(parent: closure.environment)
    frame.slots.initialize(to: argument)   // a fresh frame's slots are all nil
    if code.parameterCount > 1 { try fillDefaults(code, frame) }
    let result = try run(code, frame)
    code.recycle(frame)
    return result
  }

  func fillDefaults(_ code: FunctionCode, _ frame: Frame) throws {
    for i in 0..<code.parameterCount where frame.slots[i] == nil {
      guard let d = code.defaults[i] else {
        throw ScriptError(.arguments(function: code.name, message: "missing argument '\(code.parameters[i])'"))
      }
      frame.slots[i] = try d.run(frame)
    }
  }

  /// Runs a function body in its prepared frame; errors leaving it gain a traceback line.
  /// (Inlined into its three callers: it is on every call's path.)
  @inline(__always) func run(_ code: FunctionCode, _ frame: Frame) throws -> Value {
    try tick()
    depth += 1
    defer { depth -= 1 }
    if depth > limits.maxCallDepth || stackIsLow() {
      throw ScriptError(.recursionLimit(limits.maxCallDepth))
    }
    do {
      return try code.body(frame)
    } catch {
      var e = ScriptError.wrap(error, at: code.span)
      if let p = e.point { e.frames.append((code.name, p)) }
      e.point = nil
      throw e
    }
  }

  /// True when less than the guard band of native stack is left (deep recursion inside
  /// builtins or debug builds would otherwise overflow before the depth limit).
  @inline(__always) func stackIsLow() -> Bool {
    var marker: UInt8 = 0
    return withUnsafeMutablePointer(to: &marker) { UInt(bitPattern: $0) } < stackFloor
  }

  /// Records the current thread's stack bounds; called at the start of every run.
  func measureStack() {
    #if canImport(Glibc)
    var attr = pthread_attr_t()
    var base: UnsafeMutableRawPointer? = nil
    var size = 0
    if rslabGetThreadAttributes(pthread_self(), &attr) == 0 {
      defer { pthread_attr_destroy(&attr) }
      if pthread_attr_getstack(&attr, &base, &size) == 0, let b = base {
        // Keep 256 KiB (or a quarter of small stacks) in reserve for builtins and unwinding.
        let reserve = UInt(min(256 * 1024, size / 4))
        stackFloor = UInt(bitPattern: b) + reserve
        return
      }
    }
    #endif
    stackFloor = 0
  }
}

#if canImport(Glibc)
/// glibc's `pthread_getattr_np` (a GNU extension the Glibc module does not export):
/// the attributes, including the stack bounds, of a running thread.
@_silgen_name("pthread_getattr_np")
private func rslabGetThreadAttributes(_ thread: pthread_t, _ attr: UnsafeMutablePointer<pthread_attr_t>) -> Int32
#endif
