/// An error thrown by the runtime: data, not strings; rendered by `description`.
///
/// Every failure reachable from user input (a bad shape, a missing file, a bad argument)
/// is one of these, never a trap, so the REPL survives every mistake.
public enum RuntimeError: Error, Equatable, CustomStringConvertible, Sendable {
  /// Shapes that do not fit an operation, e.g. `matmul: shapes [64, 10] and [64, 10] do not align`.
  case shapeMismatch(op: String, shapes: [[Int]], detail: String)
  /// An argument outside what an operation accepts.
  case invalidArgument(op: String, message: String)
  /// An index outside a dimension.
  case indexOutOfRange(op: String, index: Int, size: Int)
  /// A file that cannot be read, written or parsed.
  case io(path: String, message: String)
  /// A request beyond a resource limit (memory, sizes).
  case resourceLimit(message: String)
  /// A computation stopped by the user (Ctrl-C).
  case interrupted
  /// Autodiff misuse: backward twice, gradient of a non-scalar, ...
  case autodiff(message: String)
  /// A numerical fault such as a NaN loss.
  case numerical(message: String)

  public var description: String {
    switch self {
    case let .shapeMismatch(op, shapes, detail):
      let s = shapes.map { Shape.describe($0) }.joined(separator: " and ")
      return "\(op): shapes \(s) \(detail)"
    case let .invalidArgument(op, message): return "\(op): \(message)"
    case let .indexOutOfRange(op, index, size):
      return "\(op): index \(index) is out of range for size \(size)"
    case let .io(path, message): return "\(path): \(message)"
    case let .resourceLimit(message): return message
    case .interrupted: return "interrupted"
    case let .autodiff(message): return "backward: \(message)"
    case let .numerical(message): return message
    }
  }
}
