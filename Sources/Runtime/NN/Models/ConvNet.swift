extension Model {
  /// rslab's default small CNN for 28x28 images (the net of
  /// /work/shared/bench/torch_fixmatch_step.py): four 3x3 convolutions (padding 1, no bias),
  /// each followed by BatchNorm2d and ReLU, with channels w, w, max-pool 2, 2w, 2w,
  /// max-pool 2, then global average pooling (features [N, 2w]) and a linear head.
  ///
  ///     let m = try Model.convnet(width: 32, classes: 10, inChannels: 1)
  public static func convnet(width w: Int = 32, classes: Int = 10, inChannels: Int = 1, seed: UInt64 = 0) throws -> Model {
    guard w >= 1, classes >= 1, inChannels >= 1 else {
      throw RuntimeError.invalidArgument(op: "convnet", message: "width, classes and in_channels must be positive, got \(w), \(classes), \(inChannels)")
    }
    var rng = RNG(seed: seed)
    func block(_ i: Int, _ o: Int) -> [any Layer] {
      [Conv2d(i, o, kernel: 3, stride: 1, padding: 1, bias: false, rng: &rng), BatchNorm2d(o), ReLU()]
    }
    let layers: [any Layer] = block(inChannels, w) + block(w, w) + [MaxPool2d(2)]
      + block(w, 2 * w) + block(2 * w, 2 * w) + [MaxPool2d(2), GlobalAvgPool()]
    let head = Linear(2 * w, classes, rng: &rng)
    return Model(kind: "convnet(width: \(w), classes: \(classes), in_channels: \(inChannels))",
                 backbone: Sequential(layers), featureDim: 2 * w, mainHead: head)
  }
}
