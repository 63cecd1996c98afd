/// The local variables of one function call. Slots are resolved at compile time;
/// `nil` in a slot means "not assigned yet", in which case a read looks outward.
///
/// Slots live in a fixed buffer behind a `let` pointer: the compiler resolved every index
/// (always below `count`), and a pointer avoids the array's uniqueness and exclusivity
/// checks on the hottest path of the evaluator.
///
/// A call's frame is reused by the next call of the same function when nothing kept it
/// (no closure captured it): see `FunctionCode.makeFrame` and `FunctionCode.recycle`.
final class Frame {
  let slots: UnsafeMutablePointer<Value?>
  let count: Int
  /// The frame the function was defined in (its closure's environment); `var` only so a
  /// recycled frame can be attached to the next call's environment.
  var parent: Frame?
  /// The call's result: set by `return` or by a final expression statement.
  var result: Value = .null

  init(count: Int, parent: Frame?) {
    self.count = count
    slots = UnsafeMutablePointer<Value?>.allocate(capacity: max(count, 1))
    slots.initialize(repeating: nil, count: count)
    self.parent = parent
  }

  deinit {
    slots.deinitialize(count: count)
    slots.deallocate()
  }

  /// Stores `value` in slot `i`. A number there (a loop counter, an accumulator) holds
  /// nothing to release, so it is overwritten in place; anything else is released by the
  /// ordinary assignment (which goes through a call that switches on the old value's kind).
  @inline(__always) func set(_ i: Int, _ value: consuming Value) {
    if case .number? = slots[i] {
      (slots + i).initialize(to: value)
    } else {
      slots[i] = value
    }
  }

  /// Empties the frame for its next call: every local unassigned, no result, no parent.
  /// (A number, nil or a nil parent holds nothing to release, so it skips the release call.)
  @inline(__always) func clear() {
    for i in 0..<count {
      if case .number? = slots[i] { (slots + i).initialize(to: nil) } else { slots[i] = nil }
    }
    if case .null = result {} else { result = .null }
    if parent != nil { parent = nil }
  }
}

/// Global variables by slot. A slot is created (at compile time) the first time a name is
/// seen; builtins fill their slot until the user assigns the name.
final class Globals {
  var values: [Value?] = []
  private(set) var names: [String] = []
  private var index: [String: Int] = [:]
  let registry: BuiltinRegistry

  init(registry: BuiltinRegistry) { self.registry = registry }

  func slot(_ name: String) -> Int {
    if let i = index[name] { return i }
    let i = names.count
    names.append(name)
    index[name] = i
    values.append(registry[name].map { .builtin($0) })
    return i
  }

  func lookup(_ name: String) -> Value? { index[name].flatMap { values[$0] } }

  /// Whether slot `i` holds a user value rather than the untouched builtin.
  func isUserDefined(_ i: Int) -> Bool {
    guard let v = values[i] else { return false }
    if case .builtin(let b) = v, registry[names[i]] === b { return false }
    return true
  }

  /// Forgets user values and restores builtins.
  func reset() {
    for i in values.indices { values[i] = registry[names[i]].map { .builtin($0) } }
  }

  /// Names that hold a value (for suggestions and completion).
  var definedNames: [String] { names.indices.filter { values[$0] != nil }.map { names[$0] } }
}

/// The compiled form of a function: parameter slots come first, then other locals.
final class FunctionCode {
  let name: String
  let parameters: [String]
  /// `parameters.count`, read on every call.
  let parameterCount: Int
  /// Default-value evaluators, run in the new frame at call time.
  let defaults: [EvalBox?]
  let slotCount: Int
  /// Runs the body in a prepared frame and gives the call's result. A `let`, so a call
  /// does not retain it: the code of a one-expression body (`fn g(x) x * 2 + 1 end`) is
  /// that expression's evaluator itself.
  let body: Eval
  let span: SourceSpan
  /// The frame of a finished call that nothing captured, kept for the next call: a call
  /// then allocates nothing (two allocations per call were a tenth of a scalar loop's time).
  /// Not synchronised: a session runs RSL on one thread at a time (the REPL's, a kernel's
  /// shell thread, a sweep cell's), and the interpreter starts no thread of its own. A
  /// builtin that ran RSL functions on several threads at once would need a spare per thread.
  private var spareFrame: Frame?

  init(name: String, parameters: [String], span: SourceSpan, defaults: [EvalBox?], slotCount: Int, body: @escaping Eval) {
    self.name = name
    self.parameters = parameters
    self.parameterCount = parameters.count
    self.span = span
    self.defaults = defaults
    self.slotCount = slotCount
    self.body = body
  }

  /// A frame with every slot unassigned, for a call whose closure environment is `parent`.
  @inline(__always) func makeFrame(parent: Frame?) -> Frame {
    if let frame = spareFrame.take() {
      // A recycled frame's parent is nil (`clear`); a top-level function's is too.
      if parent != nil { frame.parent = parent }
      return frame
    }
    return Frame(count: slotCount, parent: parent)
  }

  /// Keeps a finished call's frame for the next call, unless a closure created during the
  /// call captured it (then the frame lives on as that closure's environment).
  /// (Consuming, so the frame moves into the spare slot without a reference-count round trip.)
  @inline(__always) func recycle(_ frame: consuming Frame) {
    var frame = frame
    guard isKnownUniquelyReferenced(&frame) else { return }
    frame.clear()
    spareFrame = consume frame
  }
}

/// A function value: compiled code plus the frame it was defined in (its closure).
public final class Closure {
  let code: FunctionCode
  let environment: Frame?

  init(code: FunctionCode, environment: Frame?) {
    self.code = code
    self.environment = environment
  }

  /// The function's name (`<fn>` for anonymous functions).
  public var name: String { code.name }
  /// The parameter names, in order.
  public var parameterNames: [String] { code.parameters }
}

/// How a statement finished.
enum Flow {
  case normal, breakLoop, continueLoop, returned
}
