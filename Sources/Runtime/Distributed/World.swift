#if canImport(Glibc)
import Glibc
#endif

/// The processes this run is made of: one, unless the process was started by an MPI launcher
/// (`mpirun -np K`, or `srun -n K` under Slurm) with more than one rank.
///
/// MPI is initialised lazily and only when the launcher's environment says the world has more
/// than one process, so a plain `rslab` never loads Open MPI (CMPI/shim.h loads it then).
///
///     if World.rank == 0 { print("leader") }
public enum World {
  /// The MPI communicator, or nil when MPI was not initialised (a world of one process).
  public static let communicator: Communicator? = {
    guard launchedSize.map({ $0 > 1 }) ?? launchedWithoutSize else { return nil }
    do throws(Communicator.Unavailable) {
      return try Communicator.initialize()
    } catch {
      // One of K ranks that cannot reach the others must not go on alone: K processes
      // would each run the whole script and write the same files.
      let line = Array((error.message + "\n").utf8)
      _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
      exit(1)
    }
  }()

  /// This process's rank (0 without MPI).
  public static var rank: Int { communicator?.rank ?? 0 }
  /// Number of processes in the run (1 without MPI).
  public static var size: Int { communicator?.size ?? 1 }
  /// Whether this process writes files and progress for the run (rank 0).
  public static var isLeader: Bool { rank == 0 }

  /// The world size announced by the launcher: Open MPI's mpirun, then PMI (Slurm's srun, MPICH).
  static var launchedSize: Int? {
    for key in ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE"] {
      if let v = getenv(key), let n = Int(String(cString: v)) { return n }
    }
    return nil
  }

  /// PMIx launchers may set only a rank: initialise MPI to learn the size.
  static var launchedWithoutSize: Bool { getenv("PMIX_RANK") != nil }

  /// Ends MPI before a normal exit (no-op in a world of one).
  public static func finish() { communicator?.finalize() }

  /// Ends every process of the run after printing `message` to stderr, prefixed by the rank.
  /// In a world of one this just exits with `code`.
  public static func abort(message: String, code: Int32 = 1) -> Never {
    let text = size > 1 ? "[rank \(rank)] \(message)" : message
    let line = Array((text.hasSuffix("\n") ? text : text + "\n").utf8)
    _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    if let c = communicator { c.abort(code: code) }
    exit(code)
  }
}
