/// The syntax tree. Every node carries the `SourceSpan` errors should point at: for a
/// binary expression that is the operator, for a call the callee's name.
struct Expr {
  indirect enum Kind {
    case number(Double)
    case string(String)
    case bool(Bool)
    case nilLiteral
    case fstring([FStringPiece])
    case name(String)
    case list([Expr])
    case record([(String, Expr)])
    case unary(UnaryOperator, Expr)
    case binary(BinaryOperator, Expr, Expr)
    case and(Expr, Expr)
    case or(Expr, Expr)
    case range(Expr, Expr)
    case call(Expr, [Argument])
    case index(Expr, [IndexItem])
    case member(Expr, String)
    case function(FunctionDecl)
  }
  var kind: Kind
  var span: SourceSpan
}

/// An f-string piece after parsing: literal text, or an expression with its format spec.
enum FStringPiece {
  case text(String)
  case value(Expr, FormatSpec?)
}

enum UnaryOperator: String { case negate = "-", not = "not" }

/// Binary operators; the raw value is the spelling used in messages.
enum BinaryOperator: String {
  case add = "+", subtract = "-", multiply = "*", divide = "/", modulo = "%", matmul = "@", power = "**"
  case equal = "==", notEqual = "!=", less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
}

/// A call argument: positional (`label == nil`) or keyword `label: value`.
struct Argument {
  var label: String?
  var value: Expr
  var span: SourceSpan
}

/// One item inside `t[...]`: an expression or a slice `a:b:s` with optional parts.
enum IndexItem {
  case single(Expr)
  case slice(Expr?, Expr?, Expr?)
}

/// A function literal or declaration, shared by every closure made from it.
final class FunctionDecl {
  struct Parameter {
    var name: String
    var defaultValue: Expr?
    var span: SourceSpan
  }
  let name: String
  let parameters: [Parameter]
  let body: [Stmt]
  let span: SourceSpan

  init(name: String, parameters: [Parameter], body: [Stmt], span: SourceSpan) {
    self.name = name; self.parameters = parameters; self.body = body; self.span = span
  }
}

/// Where an assignment stores: a name, a field `r.f`, or an element `x[i]`.
indirect enum AssignTarget {
  case name(String, SourceSpan)
  case member(Expr, String, SourceSpan)
  case index(Expr, [IndexItem], SourceSpan)
}

/// A statement; `span` is where errors about the statement itself point.
struct Stmt {
  indirect enum Kind {
    /// `echo` is false when the statement ended with `;`.
    case expression(Expr, echo: Bool)
    case assign(AssignTarget, Expr)
    case compoundAssign(AssignTarget, BinaryOperator, Expr)
    case destructure([AssignTarget], Expr)
    case ifChain([(Expr, [Stmt])], elseBody: [Stmt]?)
    case forIn([(String, SourceSpan)], Expr, [Stmt])
    case whileLoop(Expr, [Stmt])
    case function(FunctionDecl)
    case returnValue(Expr?)
    case breakLoop
    case continueLoop
    case tryCatch([Stmt], String?, SourceSpan, [Stmt])
  }
  var kind: Kind
  var span: SourceSpan
}
