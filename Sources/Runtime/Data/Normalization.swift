/// Per-channel mean and standard deviation (in [0, 1] pixel units) used to normalise
/// images: `x = (pixel / 255 - mean[c]) / std[c]`.
public struct Normalization: Sendable, Equatable, Codable {
  /// Mean per channel.
  public var mean: [Float]
  /// Standard deviation per channel (kept >= 1e-3 so constant images do not divide by 0).
  public var std: [Float]

  /// Creates a normalisation; `mean` and `std` need one entry per channel.
  public init(mean: [Float], std: [Float]) {
    self.mean = mean
    self.std = std
  }

  /// No normalisation for `channels` channels: values stay in [0, 1].
  public static func identity(channels: Int) -> Normalization {
    Normalization(mean: [Float](repeating: 0, count: channels), std: [Float](repeating: 1, count: channels))
  }

  func check(channels: Int, op: String) throws {
    guard mean.count == channels, std.count == channels, std.allSatisfy({ $0 > 0 }) else {
      throw RuntimeError.invalidArgument(
        op: op, message: "normalisation has \(mean.count) means and \(std.count) stds (all > 0 needed) for \(channels) channels")
    }
  }
}
