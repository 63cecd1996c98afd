/// The batch bookkeeping both samplers share: the epoch stream of indices, the batches drawn
/// from it, and the following batch being rendered on a background thread while the caller
/// computes. A sampler supplies only how a drawn batch (or some rows of it) becomes images.
///
/// Prefetching never changes the batches: the indices are drawn in the same order, every
/// image's augmentation has its own generator, and `state`/`epoch`/`step` report what they
/// would without the batch prepared ahead.
struct PrefetchingStream<Batch: Sendable> {
  /// The work that renders rows `rows` (all when nil) of a drawn batch `indices` at `step`;
  /// it must read only immutable state, as it may run on a background thread.
  typealias Render = (_ indices: [Int], _ step: Int, _ rows: Range<Int>?) -> @Sendable () throws -> Batch

  var stream: EpochStream
  /// Images per batch drawn from the stream.
  let batchSize: Int
  /// Batches drawn from the stream (one more than `step` while a batch is prefetched).
  var drawn = 0
  /// The following batch, being prepared on a background thread.
  var ahead: Ahead<Batch>? = nil
  /// The whole batch `ahead` renders, and the rows it renders of it.
  var aheadDraw: (indices: [Int], step: Int, rows: Range<Int>?)? = nil
  /// What the sampler reported before drawing the batch ahead.
  var beforeAhead: (state: SamplerState, epoch: Int)? = nil
  /// Whether `next` prepares the following batch on a background thread.
  var prefetches = false

  init(stream: EpochStream, batchSize: Int) {
    self.stream = stream
    self.batchSize = batchSize
  }

  /// Batches returned so far.
  var step: Int { drawn - (ahead == nil ? 0 : 1) }

  /// Completed passes over the dataset.
  var epoch: Int { beforeAhead?.epoch ?? stream.completedEpochs }

  /// The resumable state after the batches returned.
  var state: SamplerState { beforeAhead?.state ?? stream.state(step: drawn) }

  /// The next batch (only rows `rows` of it when given: the stream still advances by the whole
  /// batch), then, when prefetching, starts rendering the following one.
  mutating func next(rows: Range<Int>?, render: Render) throws -> Batch {
    let batch: Batch
    if let a = ahead, let d = aheadDraw {
      ahead = nil
      aheadDraw = nil
      beforeAhead = nil
      batch = d.rows == rows ? try a.value() : try render(d.indices, d.step, rows)()
    } else {
      let (idx, step) = drawIndices()
      batch = try render(idx, step, rows)()
    }
    if prefetches {
      beforeAhead = (stream.state(step: drawn), stream.completedEpochs)
      let (idx, step) = drawIndices()
      aheadDraw = (idx, step, rows)
      ahead = Ahead(render(idx, step, rows))
    }
    return batch
  }

  /// Draws the indices of the next whole batch, advancing the stream.
  mutating func drawIndices() -> (indices: [Int], step: Int) {
    let idx = stream.next(batchSize), step = drawn
    drawn += 1
    return (idx, step)
  }

  /// Continues from a saved state, dropping any batch prepared ahead.
  mutating func restore(_ s: SamplerState, op: String) throws {
    try stream.restore(s, op: op)
    ahead = nil
    aheadDraw = nil
    beforeAhead = nil
    drawn = s.step
  }
}
