/// A class-conditional convolutional VAE (Kingma & Welling 2014; conditional form of
/// Sohn et al. 2015) for C x H x W images with H and W divisible by 4.
///
/// Architecture (K classes, latent size L = 16 by default, S = (H/4)·(W/4)):
///
///     encoder  [x ⊕ K one-hot planes]  (C+K) x H x W
///              conv 4x4 stride 2 pad 1 -> 32 x H/2 x W/2, ReLU
///              conv 4x4 stride 2 pad 1 -> 64 x H/4 x W/4, ReLU
///              flatten ⊕ one-hot       -> 64·S + K
///              linear -> μ [L],  linear -> log σ² [L]
///     sample   z = μ + σ ⊙ ε,  ε ~ N(0, I)
///     decoder  z ⊕ one-hot -> linear -> 64·S, ReLU, reshape 64 x H/4 x W/4
///              upsample ×2 (nearest) ⊕ K one-hot planes, conv 3x3 pad 1 -> 32, ReLU
///              upsample ×2 (nearest), conv 3x3 pad 1 -> C   (logits; sigmoid gives pixels)
///
/// Loss per image: Bernoulli reconstruction (binary cross-entropy of the decoder logits
/// against the [0, 1] pixels, summed over pixels) + KL(q(z|x,y) ‖ N(0, I)) =
/// ½ Σ (μ² + σ² − 1 − log σ²); the batch mean is minimised with Adam (lr 1e-3).
/// Sampling draws z ~ N(0, T²·I) and returns σ(decoder logits), the Bernoulli means;
/// reconstruction decodes z = μ(x, y) (no noise).
///
/// The class enters the decoder twice (with z, and as planes beside the upsampled maps):
/// with the label only at the linear input, short CPU runs learned to carry the class in z
/// and samples from the prior often showed the wrong class.
final class ConditionalVAE: GenerativeModel {
  let classes: Int, channels: Int, height: Int, width: Int, latent: Int
  let enc1: Conv2d, enc2: Conv2d, mu: Linear, logVar: Linear
  let dec: Linear, dec1: Conv2d, dec2: Conv2d
  let optimizer: Adam

  /// Widths of the two encoder convolutions (the decoder mirrors them).
  static let widths = (32, 64)

  init(classes: Int, channels: Int, height: Int, width: Int, latent: Int = 16, lr: Float = 1e-3, seed: UInt64) throws {
    self.classes = classes; self.channels = channels; self.height = height; self.width = width
    self.latent = latent
    var rng = RNG(seed: seed)
    let (w1, w2) = ConditionalVAE.widths
    let flat = w2 * (height / 4) * (width / 4)
    let e1 = Conv2d(channels + classes, w1, kernel: 4, stride: 2, padding: 1, rng: &rng)
    let e2 = Conv2d(w1, w2, kernel: 4, stride: 2, padding: 1, rng: &rng)
    let m = Linear(flat + classes, latent, rng: &rng)
    let lv = Linear(flat + classes, latent, rng: &rng)
    let d = Linear(latent + classes, flat, rng: &rng)
    let d1 = Conv2d(w2 + classes, w1, kernel: 3, padding: 1, rng: &rng)
    let d2 = Conv2d(w1, channels, kernel: 3, padding: 1, rng: &rng)
    enc1 = e1; enc2 = e2; mu = m; logVar = lv; dec = d; dec1 = d1; dec2 = d2
    // Same order as `namedTensors`.
    let layers: [any Layer] = [e1, e2, m, lv, d, d1, d2]
    optimizer = try Adam(parameters: layers.flatMap(\.parameters), lr: lr)
  }

  var namedTensors: [(name: String, tensor: Tensor)] {
    let layers: [(String, any Layer)] = [("enc1", enc1), ("enc2", enc2), ("mu", mu), ("logvar", logVar),
                                         ("dec", dec), ("dec1", dec1), ("dec2", dec2)]
    return layers.flatMap { name, l in l.namedParameters.map { ("\(name).\($0.name)", $0.tensor) } }
  }

  func withClassPlanes(_ x: Tensor, labels: [Int]) throws -> Tensor {
    try x.appendingClassPlanes(labels: labels, classes: classes)
  }

  /// μ and log σ² of q(z | x, y).
  func encode(_ images: Tensor, labels: [Int], onehot: Tensor) throws -> (mu: Tensor, logVar: Tensor) {
    let h1 = try enc1(try withClassPlanes(images, labels: labels)).relu()
    let h2 = try enc2(h1).relu().flatten(from: 1)
    let h = try Tensor.concat([h2, onehot], axis: 1)
    return (try mu(h), try logVar(h))
  }

  /// Decoder logits [N, C, H, W] for latents z [N, L].
  func decode(_ z: Tensor, labels: [Int], onehot: Tensor) throws -> Tensor {
    let w2 = ConditionalVAE.widths.1
    let h = try dec(try Tensor.concat([z, onehot], axis: 1)).relu()
      .reshape([z.shape[0], w2, height / 4, width / 4])
    let u1 = try dec1(try withClassPlanes(try h.upsample2x(), labels: labels)).relu()
    return try dec2(try u1.upsample2x())
  }

  /// The negative ELBO per image (batch mean) and its two parts.
  func loss(images: Tensor, labels: [Int], rng: inout RNG) throws -> (total: Tensor, reconstruction: Tensor, kl: Tensor) {
    let onehot = try Tensor.oneHot(labels, classes: classes)
    let (m, lv) = try encode(images, labels: labels, onehot: onehot)
    let eps = Tensor(zeros: m.shape, zeroed: false)
    for i in 0..<eps.count { eps.storage.base[i] = rng.normal() }
    let z = try m.add(try lv.mul(0.5).exp().mul(eps))
    let logits = try decode(z, labels: labels, onehot: onehot)
    let rec = try logits.binaryCrossEntropyWithLogits(targets: images)
    let klTerms = try m.square().add(try lv.exp()).sub(lv).sub(1)
    let kl = try klTerms.sum(axis: 1).mean().mul(0.5)
    return (try rec.add(kl), rec, kl)
  }

  func trainStep(images: Tensor, labels: [Int], rng: inout RNG) throws -> Double {
    optimizer.zeroGrad()
    let l = try loss(images: images, labels: labels, rng: &rng)
    let v = try l.total.item()
    guard v.isFinite else {
      throw RuntimeError.numerical(message: "train_generator: the cvae loss became \(v)")
    }
    try l.total.backward()
    try optimizer.step()
    return Double(v)
  }

  func sample(labels: [Int], temperature: Float, rng: inout RNG) throws -> Tensor {
    try GradMode.noGrad {
      let z = Tensor(zeros: [labels.count, latent], zeroed: false)
      for i in 0..<z.count { z.storage.base[i] = rng.normal() * temperature }
      return try decode(z, labels: labels, onehot: try Tensor.oneHot(labels, classes: classes)).sigmoid()
    }
  }

  /// σ(decoder logits) at the posterior mean μ(x, y): the image's reconstruction without
  /// sampling noise, values in [0, 1].
  func reconstruct(images: Tensor, labels: [Int]) throws -> Tensor {
    try GradMode.noGrad {
      let onehot = try Tensor.oneHot(labels, classes: classes)
      let (m, _) = try encode(images, labels: labels, onehot: onehot)
      return try decode(m, labels: labels, onehot: onehot).sigmoid()
    }
  }

  func exportOptimizerState() -> [String: Tensor] { optimizer.exportState() }
  func importOptimizerState(_ state: [String: Tensor]) throws { try optimizer.importState(state) }
}
