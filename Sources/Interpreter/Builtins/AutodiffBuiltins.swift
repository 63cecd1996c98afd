import Runtime

extension BuiltinRegistry {
  static func registerAutodiff(_ r: BuiltinRegistry) {
    let c = "autodiff"
    r.add("param(t)", category: c, doc: "A leaf tensor that requires grad, sharing t's values.",
          help: "Ops on a param are recorded; backward(loss) then fills grad(p).",
          example: "w = param(randn([3, 1], seed: 0))\ngrad(w)") { a in
      .tensor(try a.tensor(0).detached().requiringGrad())
    }
    r.add("backward(loss)", category: c, doc: "Computes gradients of a one-element loss into its params (accumulating).",
          example: "w = param(tensor([2]))\nbackward(sum(w * w))\ngrad(w)") { a in
      try a.tensor(0).backward()
      return .null
    }
    r.add("grad(t)", category: c, doc: "The gradient accumulated in a param by backward, or nil.",
          example: "grad(param(ones([2])))") { a in
      try a.tensor(0).grad.map { .tensor($0) } ?? .null
    }
    r.add("detach(t)", category: c, doc: "The same values cut from the autodiff graph.",
          example: "detach(param(ones([2])) * 2)") { a in .tensor(try a.tensor(0).detached()) }
    r.add("no_grad(f)", category: c, doc: "Calls f() without recording ops for autodiff and returns its result.",
          example: "w = param(ones([2]))\nno_grad(fn() w * 2 end)") { a in
      let f = try a.function(0)
      let ctx = a.context
      return try GradMode.noGrad { try ctx.call(f, []) }
    }
  }
}
