/// In a data-parallel run, where one rank's part of an `SSLBatch` sits in the global batch, and
/// how to see all of it. Algorithms whose state depends on the whole batch (class statistics,
/// per-sample memories, queues) update it from `SSLBatch.wholeBatch(_:)` so every rank keeps
/// the state one process with the whole batch would, and keep their per-row outputs for
/// `ownRows`. In one process `SSLBatch.shard` is nil and both are the identity.
public struct BatchShard {
  /// This rank's unlabeled rows within the global unlabeled batch.
  public let rows: Range<Int>
  /// Dataset indices of the whole unlabeled batch, in batch order.
  public let unlabeledIndices: [Int]
  /// Concatenates a per-row tensor `[n, ...]` over all ranks in rank (= batch) order.
  let gather: (Tensor) throws -> Tensor
}

extension SSLBatch {
  /// The whole global batch's rows of a per-row tensor of this batch (`t` itself in one process).
  public func wholeBatch(_ t: Tensor) throws -> Tensor { try shard?.gather(t) ?? t }
  /// Dataset indices of the whole unlabeled batch.
  public var wholeUnlabeledIndices: [Int] { shard?.unlabeledIndices ?? unlabeledIndices }
  /// This rank's entries of a per-row array computed over `wholeBatch` rows.
  public func ownRows<T>(_ a: [T]) -> [T] { shard.map { Array(a[$0.rows]) } ?? a }
}

extension Communicator {
  /// A tensor's rows from every rank, concatenated in rank order (all ranks pass the same shape).
  func gatherRows(_ t: Tensor) throws -> Tensor {
    let all = gather(t.values.map(Double.init))
    return Tensor(shape: [t.shape[0] * size] + t.shape.dropFirst(), values: all.map { Float($0) })
  }
}
