#if canImport(Glibc)
import Glibc
#endif

/// Starting other programs without a shell: the sweep executors' cell processes and the
/// Slurm clients (sbatch, squeue, sacct), plus `git rev-parse` for result provenance.
enum Subprocess {
  /// The path of the running rslab binary (what cell processes and Slurm tasks run).
  static var executablePath: String {
    var buffer = [CChar](repeating: 0, count: 4096)
    let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    return n > 0 ? String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) : CommandLine.arguments[0]
  }

  /// This process's environment with `overrides` replacing or adding variables.
  static func environment(_ overrides: [(String, String)]) -> [String] {
    var out: [String] = []
    var e = environ
    while let p = e.pointee {
      let entry = String(cString: p)
      let name = entry.split(separator: "=", maxSplits: 1).first.map(String.init) ?? entry
      if !overrides.contains(where: { $0.0 == name }) { out.append(entry) }
      e += 1
    }
    return out + overrides.map { "\($0.0)=\($0.1)" }
  }

  /// Starts `argv` (searched on PATH) with `environment`, standard output and error appended
  /// to `logPath` (or inherited when nil), in a process group of its own when `ownGroup`.
  /// Returns the pid, or throws with the reason.
  static func spawn(_ argv: [String], environment: [String], logPath: String?, ownGroup: Bool) throws -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    if let logPath {
      posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
      posix_spawn_file_actions_adddup2(&actions, 1, 2)
    }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    var attr = posix_spawnattr_t()
    posix_spawnattr_init(&attr)
    defer { posix_spawnattr_destroy(&attr) }
    var flags = Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)
    if ownGroup { flags |= Int16(POSIX_SPAWN_SETPGROUP); posix_spawnattr_setpgroup(&attr, 0) }
    posix_spawnattr_setflags(&attr, flags)
    var defaults = sigset_t(); sigemptyset(&defaults)
    sigaddset(&defaults, SIGINT); sigaddset(&defaults, SIGTERM); sigaddset(&defaults, SIGPIPE)
    posix_spawnattr_setsigdefault(&attr, &defaults)
    var empty = sigset_t(); sigemptyset(&empty)
    posix_spawnattr_setsigmask(&attr, &empty)
    var pid = pid_t()
    let cArgs = argv.map { strdup($0) } + [nil]
    let cEnv = environment.map { strdup($0) } + [nil]
    defer { cArgs.forEach { free($0) }; cEnv.forEach { free($0) } }
    let rc = posix_spawnp(&pid, argv[0], &actions, &attr, cArgs, cEnv)
    guard rc == 0 else { throw RuntimeErrorText("cannot start \(argv[0]): \(String(cString: strerror(rc)))") }
    return pid
  }

  /// Runs `argv` to completion and returns its exit status (128 + signal when killed),
  /// standard output and standard error; nil when it cannot be started (not installed).
  static func capture(_ argv: [String], environment extra: [(String, String)] = []) -> (status: Int32, stdout: String, stderr: String)? {
    var outPipe: [Int32] = [0, 0], errPipe: [Int32] = [0, 0]
    guard pipe(&outPipe) == 0, pipe(&errPipe) == 0 else { return nil }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
    posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    for fd in outPipe + errPipe { posix_spawn_file_actions_addclose(&actions, fd) }
    var pid = pid_t()
    let cArgs = argv.map { strdup($0) } + [nil]
    let cEnv = environment(extra).map { strdup($0) } + [nil]
    defer { cArgs.forEach { free($0) }; cEnv.forEach { free($0) } }
    let rc = posix_spawnp(&pid, argv[0], &actions, nil, cArgs, cEnv)
    close(outPipe[1]); close(errPipe[1])
    defer { close(outPipe[0]); close(errPipe[0]) }
    guard rc == 0 else { return nil }
    var out: [UInt8] = [], err: [UInt8] = []
    var fds = [pollfd(fd: outPipe[0], events: Int16(POLLIN), revents: 0), pollfd(fd: errPipe[0], events: Int16(POLLIN), revents: 0)]
    var open = 2
    var chunk = [UInt8](repeating: 0, count: 65536)
    while open > 0 {
      if poll(&fds, 2, -1) < 0 { if errno == EINTR { continue }; break }
      for i in 0..<2 where fds[i].fd >= 0 && fds[i].revents != 0 {
        let n = chunk.withUnsafeMutableBytes { read(fds[i].fd, $0.baseAddress, $0.count) }
        if n > 0 {
          if i == 0 { out += chunk[0..<n] } else { err += chunk[0..<n] }
        } else if n == 0 || errno != EINTR {
          fds[i].fd = -1; open -= 1
        }
      }
    }
    return (waitStatus(pid), String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
  }

  /// Waits for `pid` and returns its exit status, or 128 + the signal that killed it.
  static func waitStatus(_ pid: pid_t) -> Int32 {
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 { if errno != EINTR { return -1 } }
    return decode(status)
  }

  /// An exit status from waitpid's word: the code, or 128 + the terminating signal.
  static func decode(_ status: Int32) -> Int32 {
    let signal = status & 0x7f
    return signal == 0 ? (status >> 8) & 0xff : 128 + signal
  }
}

/// An error that is just its message (shell-level failures: a program that would not start).
struct RuntimeErrorText: Error, CustomStringConvertible {
  let description: String
  init(_ message: String) { description = message }
}
