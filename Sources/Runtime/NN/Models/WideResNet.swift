extension Model {
  /// Wide ResNet as in USB (`semilearn/nets/wrn/wrn.py`, see docs/algorithms.md): a 3x3 stem
  /// convolution to 16 channels (with bias), three groups of (depth - 4) / 6 pre-activation
  /// blocks of widths 16k, 32k, 64k (strides 1, 2, 2), then BN -> LeakyReLU(0.1) -> global
  /// average pooling (features [N, 64k]) and a linear head. BN momentum 0.001 (PyTorch
  /// convention) and eps 0.001. Init: convolutions Kaiming-normal (fan-out), BN 1/0, the
  /// linear head Xavier-normal with zero bias. WRN-28-2 for 10 classes has 1,467,626
  /// parameters.
  public static func wideResNet(depth: Int = 28, widen: Int = 2, classes: Int = 10, inChannels: Int = 3, seed: UInt64 = 0) throws -> Model {
    guard depth >= 10, (depth - 4) % 6 == 0, widen >= 1, classes >= 1, inChannels >= 1 else {
      throw RuntimeError.invalidArgument(op: "wrn", message: "depth must be 6n + 4 (>= 10) and widen, classes, in_channels positive; got depth \(depth), widen \(widen)")
    }
    var rng = RNG(seed: seed)
    let n = (depth - 4) / 6
    let widths = [16, 16 * widen, 32 * widen, 64 * widen]
    func conv(_ i: Int, _ o: Int, _ k: Int, stride: Int, bias: Bool) -> Conv2d {
      let c = Conv2d(i, o, kernel: k, stride: stride, padding: k / 2, bias: bias, rng: &rng)
      // kaiming_normal_(mode='fan_out', nonlinearity='leaky_relu', a=0): std = √(2 / fan_out).
      let std = (2 / Float(o * k * k)).squareRoot()
      let fresh = Init.normal(c.weight.shape, std: std, rng: &rng)
      c.weight.storage.base.update(from: fresh.storage.base, count: c.weight.count)
      return c
    }
    var layers: [any Layer] = [conv(inChannels, widths[0], 3, stride: 1, bias: true)]
    for g in 0..<3 {
      var blocks: [any Layer] = []
      for b in 0..<n {
        let i = b == 0 ? widths[g] : widths[g + 1], o = widths[g + 1]
        let stride = b == 0 && g > 0 ? 2 : 1
        blocks.append(WideBasicBlock(
          bn1: BatchNorm2d(i, momentum: 0.001, eps: 0.001),
          conv1: conv(i, o, 3, stride: stride, bias: false),
          bn2: BatchNorm2d(o, momentum: 0.001, eps: 0.001),
          conv2: conv(o, o, 3, stride: 1, bias: false),
          shortcut: i == o ? nil : conv(i, o, 1, stride: stride, bias: false),
          activateBeforeResidual: g == 0 && b == 0))
      }
      layers.append(Sequential(blocks))
    }
    layers += [BatchNorm2d(widths[3], momentum: 0.001, eps: 0.001), LeakyReLU(slope: 0.1), GlobalAvgPool()]
    // xavier_normal_: std = √(2 / (fan_in + fan_out)); bias zero.
    let head = Linear(weight: Init.normal([classes, widths[3]], std: (2 / Float(widths[3] + classes)).squareRoot(), rng: &rng).requiringGrad(),
                      bias: Tensor(zeros: [classes]).requiringGrad())
    return Model(kind: "wrn(depth: \(depth), widen: \(widen), classes: \(classes), in_channels: \(inChannels))",
                 backbone: Sequential(layers), featureDim: widths[3], mainHead: head)
  }
}

/// USB's WRN `BasicBlock` (pre-activation, LeakyReLU 0.1, no dropout):
///
///     same width:         out = x + conv2(act(bn2(conv1(act(bn1(x))))))
///     first of group 1:   a = act(bn1(x)); out = shortcut(a) + conv2(act(bn2(conv1(a))))
///     first of groups 2-3: out = shortcut(x) + conv2(act(bn2(conv1(x))))
///
/// In the last case USB computes act(bn1(x)) and discards it (only its running statistics
/// move); rslab skips that dead computation, so bn1 of those blocks keeps its initial
/// statistics — it never affects an output.
final class WideBasicBlock: Layer {
  let bn1: BatchNorm2d, conv1: Conv2d, bn2: BatchNorm2d, conv2: Conv2d
  let shortcut: Conv2d?
  let activateBeforeResidual: Bool
  var isTraining = true

  init(bn1: BatchNorm2d, conv1: Conv2d, bn2: BatchNorm2d, conv2: Conv2d, shortcut: Conv2d?, activateBeforeResidual: Bool) {
    self.bn1 = bn1; self.conv1 = conv1; self.bn2 = bn2; self.conv2 = conv2
    self.shortcut = shortcut
    self.activateBeforeResidual = activateBeforeResidual
  }

  func forward(_ x: Tensor) throws -> Tensor {
    if let shortcut {
      let input = activateBeforeResidual ? try bn1.forward(x, activationSlope: 0.1) : x
      let o = try conv2.forward(bn2.forward(conv1.forward(input), activationSlope: 0.1))
      return try shortcut.forward(input).add(o)
    }
    let a = try bn1.forward(x, activationSlope: 0.1)
    let o = try conv2.forward(bn2.forward(conv1.forward(a), activationSlope: 0.1))
    return try x.add(o)
  }

  var children: [(name: String, layer: any Layer)] {
    [("bn1", bn1), ("conv1", conv1), ("bn2", bn2), ("conv2", conv2)] + (shortcut.map { [("shortcut", $0 as any Layer)] } ?? [])
  }

  func clone() -> any Layer {
    let b = WideBasicBlock(bn1: bn1.cloned(), conv1: conv1.cloned(), bn2: bn2.cloned(), conv2: conv2.cloned(),
                           shortcut: shortcut?.cloned(), activateBeforeResidual: activateBeforeResidual)
    b.isTraining = isTraining
    return b
  }

  var description: String {
    "WideBasicBlock(\(conv1.weight.shape[1]) -> \(conv1.weight.shape[0]), stride \(conv1.stride)\(shortcut == nil ? "" : ", 1x1 shortcut"))"
  }
}
