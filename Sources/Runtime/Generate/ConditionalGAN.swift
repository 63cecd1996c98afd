/// A small class-conditional GAN (Goodfellow et al. 2014; conditioning as Mirza & Osindero
/// 2014; DCGAN-style layers and optimiser settings, Radford et al. 2016) for C x H x W
/// images with H and W divisible by 4. Its samples look different from the cvae's: sharper
/// edges and texture, with GAN artefacts instead of blur.
///
/// Architecture (K classes, noise size 32, S = (H/4)·(W/4)):
///
///     generator      z ⊕ one-hot -> linear -> 64·S, batch norm, ReLU, reshape 64 x H/4 x W/4
///                    upsample ×2 ⊕ K one-hot planes, conv 3x3 pad 1 -> 32, batch norm, ReLU
///                    upsample ×2, conv 3x3 pad 1 -> C, sigmoid
///     discriminator  image ⊕ K one-hot planes, conv 4x4 stride 2 pad 1 -> 32, leaky ReLU 0.2
///                    conv 4x4 stride 2 pad 1 -> 64, leaky ReLU 0.2, flatten ⊕ one-hot, linear -> 1
///
/// Each step: one discriminator update on the real batch and as many generated images of
/// the same classes (binary cross-entropy, real = 1, fake = 0), then one generator update
/// with the non-saturating loss −log D(G(z, y), y). Both use Adam (lr 2e-4, β1 0.5), as DCGAN.
/// The step's reported loss is the sum of the two. Sampling uses the generator's batch-norm
/// running statistics (eval mode), so a sample does not depend on the rest of its batch.
final class ConditionalGAN: GenerativeModel {
  let classes: Int, channels: Int, height: Int, width: Int, noise: Int
  let gLinear: Linear, gNorm0: BatchNorm2d, gConv1: Conv2d, gNorm1: BatchNorm2d, gConv2: Conv2d
  let dConv1: Conv2d, dConv2: Conv2d, dLinear: Linear
  let gOptimizer: Adam, dOptimizer: Adam

  init(classes: Int, channels: Int, height: Int, width: Int, noise: Int = 32, seed: UInt64) throws {
    self.classes = classes; self.channels = channels; self.height = height; self.width = width
    self.noise = noise
    var rng = RNG(seed: seed)
    let flat = 64 * (height / 4) * (width / 4)
    let gl = Linear(noise + classes, flat, rng: &rng), gn0 = BatchNorm2d(64)
    let g1 = Conv2d(64 + classes, 32, kernel: 3, padding: 1, rng: &rng), gn1 = BatchNorm2d(32)
    let g2 = Conv2d(32, channels, kernel: 3, padding: 1, rng: &rng)
    let d1 = Conv2d(channels + classes, 32, kernel: 4, stride: 2, padding: 1, rng: &rng)
    let d2 = Conv2d(32, 64, kernel: 4, stride: 2, padding: 1, rng: &rng)
    let dl = Linear(flat + classes, 1, rng: &rng)
    gLinear = gl; gNorm0 = gn0; gConv1 = g1; gNorm1 = gn1; gConv2 = g2
    dConv1 = d1; dConv2 = d2; dLinear = dl
    let gLayers: [any Layer] = [gl, gn0, g1, gn1, g2], dLayers: [any Layer] = [d1, d2, dl]
    gOptimizer = try Adam(parameters: gLayers.flatMap(\.parameters), lr: 2e-4, beta1: 0.5)
    dOptimizer = try Adam(parameters: dLayers.flatMap(\.parameters), lr: 2e-4, beta1: 0.5)
  }

  var namedTensors: [(name: String, tensor: Tensor)] {
    let layers: [(String, any Layer)] = [("g.linear", gLinear), ("g.norm0", gNorm0), ("g.conv1", gConv1),
                                         ("g.norm1", gNorm1), ("g.conv2", gConv2),
                                         ("d.conv1", dConv1), ("d.conv2", dConv2), ("d.linear", dLinear)]
    return layers.flatMap { name, l in
      (l.namedParameters + l.namedBuffers).map { ("\(name).\($0.name)", $0.tensor) }
    }
  }

  /// Generated images [N, C, H, W] in (0, 1) for noise z [N, noise].
  func generate(_ z: Tensor, labels: [Int], onehot: Tensor) throws -> Tensor {
    let n = labels.count
    let h0 = try gLinear(try Tensor.concat([z, onehot], axis: 1)).reshape([n, 64, height / 4, width / 4])
    let h1 = try gNorm0(h0).relu().upsample2x().appendingClassPlanes(labels: labels, classes: classes)
    let h2 = try gNorm1(try gConv1(h1)).relu().upsample2x()
    return try gConv2(h2).sigmoid()
  }

  /// Discriminator logits [N, 1]: how real each image looks for its class.
  func discriminate(_ images: Tensor, labels: [Int], onehot: Tensor) throws -> Tensor {
    let h1 = try dConv1(try images.appendingClassPlanes(labels: labels, classes: classes)).leakyRelu(slope: 0.2)
    let h2 = try dConv2(h1).leakyRelu(slope: 0.2).flatten(from: 1)
    return try dLinear(try Tensor.concat([h2, onehot], axis: 1))
  }

  func noiseTensor(_ n: Int, scale: Float, rng: inout RNG) -> Tensor {
    let z = Tensor(zeros: [n, noise], zeroed: false)
    for i in 0..<z.count { z.storage.base[i] = rng.normal() * scale }
    return z
  }

  func trainStep(images: Tensor, labels: [Int], rng: inout RNG) throws -> Double {
    let n = labels.count
    let onehot = try Tensor.oneHot(labels, classes: classes)
    let ones = try Tensor.ones([n, 1]), zeros = try Tensor.zeros([n, 1])
    setGeneratorTraining(true)
    let fake = try generate(noiseTensor(n, scale: 1, rng: &rng), labels: labels, onehot: onehot)

    dOptimizer.zeroGrad()
    let dReal = try discriminate(images, labels: labels, onehot: onehot).binaryCrossEntropyWithLogits(targets: ones)
    let dFake = try discriminate(fake.detached(), labels: labels, onehot: onehot).binaryCrossEntropyWithLogits(targets: zeros)
    let dLoss = try dReal.add(dFake)
    try dLoss.backward()
    try dOptimizer.step()

    gOptimizer.zeroGrad()
    let gLoss = try discriminate(fake, labels: labels, onehot: onehot).binaryCrossEntropyWithLogits(targets: ones)
    try gLoss.backward()
    try gOptimizer.step()
    let total = try dLoss.item() + gLoss.item()
    guard total.isFinite else {
      throw RuntimeError.numerical(message: "train_generator: the gan loss became \(total)")
    }
    return Double(total)
  }

  func sample(labels: [Int], temperature: Float, rng: inout RNG) throws -> Tensor {
    setGeneratorTraining(false)
    defer { setGeneratorTraining(true) }
    return try GradMode.noGrad {
      try generate(noiseTensor(labels.count, scale: temperature, rng: &rng), labels: labels,
                   onehot: try Tensor.oneHot(labels, classes: classes))
    }
  }

  func setGeneratorTraining(_ on: Bool) {
    gNorm0.isTraining = on
    gNorm1.isTraining = on
  }

  func exportOptimizerState() -> [String: Tensor] {
    var s: [String: Tensor] = [:]
    for (k, v) in gOptimizer.exportState() { s["g.\(k)"] = v }
    for (k, v) in dOptimizer.exportState() { s["d.\(k)"] = v }
    return s
  }

  func importOptimizerState(_ state: [String: Tensor]) throws {
    func part(_ p: String) -> [String: Tensor] {
      var out: [String: Tensor] = [:]
      for (k, v) in state where k.hasPrefix(p) { out[String(k.dropFirst(p.count))] = v }
      return out
    }
    try gOptimizer.importState(part("g."))
    try dOptimizer.importState(part("d."))
  }
}
