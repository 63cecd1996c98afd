import CMPI

/// The MPI processes of one data-parallel run (MPI_COMM_WORLD) and the few collectives the
/// trainer needs. Created once by `World` when the process was launched by `mpirun`/`srun`.
///
/// MPI is initialised with `MPI_THREAD_FUNNELED`: only the thread that created the communicator
/// calls MPI (the interpreter's thread; kernel worker threads never do), which is why the class
/// may be shared as `@unchecked Sendable`. Every collective must be called by every rank in the
/// same order; a failed call aborts the whole job (MPI's default error handler), so none of
/// these functions return errors.
public final class Communicator: @unchecked Sendable {
  /// This process's position in the world, 0..<size.
  public let rank: Int
  /// Number of processes in the run.
  public let size: Int
  private let comm: MPI_Comm

  private init(rank: Int, size: Int, comm: MPI_Comm) {
    self.rank = rank; self.size = size; self.comm = comm
  }

  /// Initialises MPI and describes MPI_COMM_WORLD.
  static func initialize() -> Communicator {
    var provided: Int32 = 0
    MPI_Init_thread(nil, nil, Int32(MPI_THREAD_FUNNELED), &provided)
    let comm = rslab_mpi_comm_world()!
    var r: Int32 = 0, s: Int32 = 1
    MPI_Comm_rank(comm, &r)
    MPI_Comm_size(comm, &s)
    return Communicator(rank: Int(r), size: Int(s), comm: comm)
  }

  /// Sums `values` element-wise over all ranks, in place (one MPI_Allreduce).
  public func sum(_ values: UnsafeMutableBufferPointer<Float>) {
    guard let base = values.baseAddress, !values.isEmpty else { return }
    MPI_Allreduce(rslab_mpi_in_place(), base, Int32(values.count), rslab_mpi_float(), rslab_mpi_sum(), comm)
  }

  /// Sums `values` element-wise over all ranks, in place (one MPI_Allreduce).
  public func sum(_ values: inout [Double]) {
    guard !values.isEmpty else { return }
    let n = Int32(values.count)
    values.withUnsafeMutableBufferPointer { b in
      _ = MPI_Allreduce(rslab_mpi_in_place(), b.baseAddress, n, rslab_mpi_double(), rslab_mpi_sum(), comm)
    }
  }

  /// Every rank's `local` (all of one length), concatenated in rank order.
  public func gather(_ local: [Double]) -> [Double] {
    var out = [Double](repeating: 0, count: local.count * size)
    guard !local.isEmpty else { return out }
    local.withUnsafeBufferPointer { l in
      out.withUnsafeMutableBufferPointer { o in
        _ = MPI_Allgather(l.baseAddress, Int32(local.count), rslab_mpi_double(),
                          o.baseAddress, Int32(local.count), rslab_mpi_double(), comm)
      }
    }
    return out
  }

  /// Blocks until every rank has called it.
  public func barrier() { MPI_Barrier(comm) }

  /// Ends every process of the run with `code` (MPI_Abort): the way one rank's error stops
  /// ranks that wait in a collective for it.
  public func abort(code: Int32) -> Never {
    MPI_Abort(comm, code)
    fatalError("MPI_Abort returned")
  }

  /// Shuts MPI down cleanly (every rank must call it before exiting normally).
  func finalize() { MPI_Finalize() }
}
