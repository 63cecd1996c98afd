/// Finds, without running a script, the keys of the defaults record it passes to
/// `sweep_params` at top level (see `Session.sweepParameterNames`).
enum SweepParameterProbe {
  static func names(in stmts: [Stmt]) -> [String]? {
    var records: [String: [String]] = [:]
    for stmt in stmts {
      let expr: Expr
      switch stmt.kind {
      case .assign(let target, let e):
        if case .name(let n, _) = target, case .record(let fields) = e.kind { records[n] = fields.map(\.0) }
        expr = e
      case .expression(let e, _): expr = e
      case .destructure(_, let e): expr = e
      default: continue
      }
      guard case .call(let callee, let args) = expr.kind, case .name("sweep_params") = callee.kind,
            let first = args.first(where: { $0.label == nil || $0.label == "defaults" }) else { continue }
      switch first.value.kind {
      case .record(let fields): return fields.map(\.0)
      case .name(let n): return records[n]
      default: return nil
      }
    }
    return nil
  }
}
