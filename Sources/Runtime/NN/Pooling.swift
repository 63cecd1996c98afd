/// Max pooling over k x k windows (stride defaults to k).
public final class MaxPool2d: Layer {
  public let kernel: Int, stride: Int
  public var isTraining = true
  public init(_ kernel: Int, stride: Int? = nil) { self.kernel = kernel; self.stride = stride ?? kernel }
  public func forward(_ x: Tensor) throws -> Tensor { try x.maxPool2d(kernel: kernel, stride: stride) }
  public func clone() -> any Layer { let l = MaxPool2d(kernel, stride: stride); l.isTraining = isTraining; return l }
  public var description: String { "MaxPool2d(\(kernel), stride: \(stride))" }
}

/// Average pooling over k x k windows (stride defaults to k).
public final class AvgPool2d: Layer {
  public let kernel: Int, stride: Int
  public var isTraining = true
  public init(_ kernel: Int, stride: Int? = nil) { self.kernel = kernel; self.stride = stride ?? kernel }
  public func forward(_ x: Tensor) throws -> Tensor { try x.avgPool2d(kernel: kernel, stride: stride) }
  public func clone() -> any Layer { let l = AvgPool2d(kernel, stride: stride); l.isTraining = isTraining; return l }
  public var description: String { "AvgPool2d(\(kernel), stride: \(stride))" }
}

/// Mean over each channel's plane: [N, C, H, W] -> [N, C].
public final class GlobalAvgPool: Layer {
  public var isTraining = true
  public init() {}
  public func forward(_ x: Tensor) throws -> Tensor { try x.globalAvgPool() }
  public func clone() -> any Layer { let l = GlobalAvgPool(); l.isTraining = isTraining; return l }
  public var description: String { "GlobalAvgPool" }
}
