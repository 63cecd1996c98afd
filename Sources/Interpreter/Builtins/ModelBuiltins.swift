import Runtime

extension BuiltinRegistry {
  static func registerModels(_ r: BuiltinRegistry) {
    let c = "models"
    r.add("mlp(sizes, seed: nil)", category: c, doc: "A multilayer perceptron: flatten, then linear + ReLU per hidden size, then a linear head.",
          help: "sizes = [input, hidden..., classes]. Weights use PyTorch's default initialisation from `seed` (default: drawn from the global seed, see seed(n)).",
          example: "m = mlp([784, 128, 10])\nm(zeros([2, 1, 28, 28]))") { a in
      let sizes = try a.intList(0)
      return .object(ModelObject(try Model.mlp(sizes, seed: try ModelBindings.seed(&a, 1))))
    }
    r.add("convnet(width: 32, classes: 10, in_channels: 1, seed: nil)", category: c,
          doc: "rslab's default small CNN: four 3x3 conv+BN+ReLU (channels w, w, 2w, 2w, two max-pools), global average pooling, linear head.",
          help: "Features are [N, 2w]. Works for any image size of at least 4x4.",
          example: "m = convnet(width: 8)\nshape(m(zeros([2, 1, 28, 28])))") { a in
      let m = try Model.convnet(width: try a.int(0), classes: try a.int(1), inChannels: try a.int(2), seed: try ModelBindings.seed(&a, 3))
      return .object(ModelObject(m))
    }
    r.add("wrn(depth: 28, widen: 2, classes: 10, in_channels: 3, seed: nil)", category: c,
          doc: "A Wide ResNet as in USB (WRN-28-2 by default, 1.47M parameters), the SSL-literature backbone.",
          help: "depth must be 6n + 4. Features are [N, 64·widen].",
          example: "m = wrn(depth: 10, widen: 1)\nparam_count(m)") { a in
      let m = try Model.wideResNet(depth: try a.int(0), widen: try a.int(1), classes: try a.int(2), inChannels: try a.int(3),
                                   seed: try ModelBindings.seed(&a, 4))
      return .object(ModelObject(m))
    }
    r.add("sequential(layers)", category: c, doc: "A model from a list of layers applied in order.",
          help: "When the last layer is linear it becomes the model's main head and the layers before it the backbone (features(m, x) is its input); otherwise every layer is backbone and the head is the identity.",
          example: "m = sequential([flatten_layer(), linear(4, 8), relu_layer(), linear(8, 3)])\nm(ones([2, 4]))") { a in
      let items = try a.list(0)
      var layers: [any Layer] = []
      for v in items {
        guard case .object(let o) = v, let l = o as? LayerObject else {
          throw a.error(0, "list of layers expected, got a list containing \(v.typeName)")
        }
        // Layers are copied so one layer value can seed several models without sharing weights.
        layers.append(l.layer.clone())
      }
      guard !layers.isEmpty else { throw a.error(0, "at least one layer expected") }
      let model: Model
      if let head = layers.last as? Linear {
        model = Model(kind: "sequential(\(layers.count) layers)", backbone: Sequential(Array(layers.dropLast())),
                      featureDim: head.inFeatures, mainHead: head)
      } else {
        model = Model(kind: "sequential(\(layers.count) layers)", backbone: Sequential(layers), featureDim: 0, mainHead: IdentityLayer())
      }
      return .object(ModelObject(model))
    }
    r.add("linear(i, o, bias: true)", category: c, doc: "A fully connected layer y = x·Wᵀ + b with W [o, i] (PyTorch initialisation).",
          example: "l = linear(3, 2)\nl(ones([4, 3]))") { a in
      let i = try ModelBindings.positive(&a, 0), o = try ModelBindings.positive(&a, 1)
      var rng = a.context.nextGenerator()
      return .object(LayerObject(Linear(i, o, bias: try a.bool(2), rng: &rng)))
    }
    r.add("conv(i, o, k, stride: 1, padding: 0, bias: true)", category: c, doc: "A 2-D convolution layer with o filters of k x k over i channels.",
          example: "l = conv(1, 4, 3, padding: 1)\nshape(l(zeros([2, 1, 8, 8])))") { a in
      let i = try ModelBindings.positive(&a, 0), o = try ModelBindings.positive(&a, 1), k = try ModelBindings.positive(&a, 2)
      let s = try ModelBindings.positive(&a, 3)
      let p = try a.int(4)
      guard p >= 0 else { throw a.error(4, "non-negative padding expected, got \(p)") }
      var rng = a.context.nextGenerator()
      return .object(LayerObject(Conv2d(i, o, kernel: k, stride: s, padding: p, bias: try a.bool(5), rng: &rng)))
    }
    r.add("batchnorm(c)", category: c, doc: "Batch normalisation over c channels (batch statistics in training, running ones in evaluation).",
          example: "l = batchnorm(4)\nshape(l(randn([2, 4, 3, 3], seed: 0)))") { a in
      .object(LayerObject(BatchNorm2d(try ModelBindings.positive(&a, 0))))
    }
    r.add("gelu_layer()", category: c, doc: "The GELU activation (exact erf form) as a layer.",
          example: "gelu_layer()(tensor([-1, 2]))") { _ in .object(LayerObject(GELU())) }
    r.add("relu_layer()", category: c, doc: "The ReLU activation as a layer.",
          example: "relu_layer()(tensor([-1, 2]))") { _ in .object(LayerObject(ReLU())) }
    r.add("maxpool(k)", category: c, doc: "Max pooling over k x k windows with stride k, as a layer.",
          example: "shape(maxpool(2)(zeros([1, 1, 4, 4])))") { a in
      .object(LayerObject(MaxPool2d(try ModelBindings.positive(&a, 0))))
    }
    r.add("flatten_layer()", category: c, doc: "Flattens [N, ...] to [N, features], as a layer.",
          example: "shape(flatten_layer()(zeros([2, 3, 4])))") { _ in .object(LayerObject(Flatten())) }
    r.add("params(m)", category: c, doc: "The trainable parameter tensors of a model or layer, in a fixed order.",
          help: "These are the model's own tensors: an optimizer over them (sgd(params(m), lr: 0.1)) updates the model in place.",
          example: "len(params(mlp([4, 3, 2])))") { a in
      .list(try ModelBindings.parameters(&a, 0).map { .tensor($0) })
    }
    r.add("param_count(m)", category: c, doc: "The number of trainable scalars of a model or layer.",
          example: "param_count(mlp([4, 3, 2]))") { a in
      .number(Double(try ModelBindings.parameters(&a, 0).reduce(0) { $0 + $1.count }))
    }
    r.add("features(m, x)", category: c, doc: "The backbone's output (the input of the heads) for a batch: [N, feature_dim].",
          example: "shape(features(mlp([4, 8, 2]), ones([3, 4])))") { a in
      let m = try ModelBindings.model(&a, 0)
      return .tensor(try m.features(try ModelObject.normalized(try a.tensor(1), m)))
    }
    r.add("train_mode(m)", category: c, doc: "Puts a model in training mode (batch statistics) and returns it.",
          example: "m = train_mode(mlp([4, 2]))") { a in
      let o = try a.object(0, as: ModelObject.self, expected: "model")
      o.model.train()
      return .object(o)
    }
    r.add("eval_mode(m)", category: c, doc: "Puts a model in evaluation mode (running batch-norm statistics) and returns it.",
          example: "m = eval_mode(convnet(width: 4))") { a in
      let o = try a.object(0, as: ModelObject.self, expected: "model")
      o.model.eval()
      return .object(o)
    }
    r.add("copy(m)", category: c, doc: "A deep copy of a model (new weights with equal values, same heads and mode).",
          example: "m2 = copy(mlp([4, 2]))") { a in
      .object(ModelObject(try ModelBindings.model(&a, 0).copy()))
    }
    r.add("save(m, path)", category: c, doc: "Saves a model's weights and buffers to a safetensors file (atomically).",
          example: "save(mlp([4, 2]), \"/tmp/rslab-mlp.safetensors\")", needsFiles: true) { a in
      try ModelBindings.model(&a, 0).save(path: try a.string(1))
      return .null
    }
    r.add("load_weights(m, path)", category: c, doc: "Loads weights saved by save into a model of the same architecture and returns it.",
          help: "Nothing changes unless every name and shape fits; the error lists what differs.",
          example: "m = load_weights(mlp([4, 2]), \"/tmp/rslab-mlp.safetensors\")", needsFiles: true) { a in
      let o = try a.object(0, as: ModelObject.self, expected: "model")
      try o.model.loadWeights(path: try a.string(1))
      return .object(o)
    }
  }
}

/// Argument readers shared by the model, optimizer, SSL and plot builtins.
enum ModelBindings {
  static func model(_ a: inout Arguments, _ i: Int) throws(ScriptError) -> Model {
    try a.object(i, as: ModelObject.self, expected: "model").model
  }

  /// The parameters of a model or layer argument.
  static func parameters(_ a: inout Arguments, _ i: Int) throws(ScriptError) -> [Tensor] {
    if case .object(let o) = a[i] {
      if let m = o as? ModelObject { return m.model.parameters }
      if let l = o as? LayerObject { return l.layer.parameters }
    }
    throw a.typeError(i, "model or layer")
  }

  static func positive(_ a: inout Arguments, _ i: Int) throws(ScriptError) -> Int {
    let n = try a.int(i)
    guard n >= 1 else { throw a.error(i, "positive integer expected, got \(n)") }
    return n
  }

  /// An explicit `seed:`, else one drawn from the session's global generator.
  static func seed(_ a: inout Arguments, _ i: Int) throws(ScriptError) -> UInt64 {
    try a.optionalSeed(i) ?? a.context.rng.next()
  }
}
