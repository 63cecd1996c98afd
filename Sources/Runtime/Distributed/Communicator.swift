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
  /// libmpi's functions and handles, loaded by `initialize` (CMPI/shim.h).
  private let mpi: rslab_mpi_api
  private let comm: MPI_Comm

  private init(rank: Int, size: Int, mpi: rslab_mpi_api) {
    self.rank = rank; self.size = size; self.mpi = mpi; self.comm = mpi.comm_world
  }

  /// Open MPI's library could not be loaded; `message` says what to install.
  struct Unavailable: Error {
    let message: String
  }

  /// Loads Open MPI, initialises it and describes MPI_COMM_WORLD.
  static func initialize() throws(Unavailable) -> Communicator {
    var mpi = rslab_mpi_api()
    if let error = rslab_mpi_load(&mpi) {
      throw Unavailable(message: "rslab was started by an MPI launcher, but Open MPI's library could not be loaded (\(String(cString: error))); install openmpi-bin and libopenmpi-dev (scripts/setup.sh)")
    }
    var provided: Int32 = 0
    _ = mpi.Init_thread(nil, nil, Int32(MPI_THREAD_FUNNELED), &provided)
    var r: Int32 = 0, s: Int32 = 1
    _ = mpi.Comm_rank(mpi.comm_world, &r)
    _ = mpi.Comm_size(mpi.comm_world, &s)
    return Communicator(rank: Int(r), size: Int(s), mpi: mpi)
  }

  /// Sums `values` element-wise over all ranks, in place (one MPI_Allreduce).
  public func sum(_ values: UnsafeMutableBufferPointer<Float>) {
    guard let base = values.baseAddress, !values.isEmpty else { return }
    _ = mpi.Allreduce(rslab_mpi_in_place(), base, Int32(values.count), mpi.float_type, mpi.sum, comm)
  }

  /// Sums `values` element-wise over all ranks, in place (one MPI_Allreduce).
  public func sum(_ values: inout [Double]) {
    guard !values.isEmpty else { return }
    let n = Int32(values.count)
    values.withUnsafeMutableBufferPointer { b in
      _ = mpi.Allreduce(rslab_mpi_in_place(), b.baseAddress, n, mpi.double_type, mpi.sum, comm)
    }
  }

  /// Every rank's `local` (all of one length), concatenated in rank order.
  public func gather(_ local: [Double]) -> [Double] {
    var out = [Double](repeating: 0, count: local.count * size)
    guard !local.isEmpty else { return out }
    local.withUnsafeBufferPointer { l in
      out.withUnsafeMutableBufferPointer { o in
        _ = mpi.Allgather(l.baseAddress, Int32(local.count), mpi.double_type,
                          o.baseAddress, Int32(local.count), mpi.double_type, comm)
      }
    }
    return out
  }

  /// Blocks until every rank has called it.
  public func barrier() { _ = mpi.Barrier(comm) }

  /// Ends every process of the run with `code` (MPI_Abort): the way one rank's error stops
  /// ranks that wait in a collective for it.
  public func abort(code: Int32) -> Never {
    _ = mpi.Abort(comm, code)
    fatalError("MPI_Abort returned")
  }

  /// Shuts MPI down cleanly (every rank must call it before exiting normally).
  func finalize() { _ = mpi.Finalize() }
}
