#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Runtime

/// `rslab kernel -f CONNECTION_FILE` (started by Jupyter) and `rslab kernel install`.
struct KernelCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "kernel",
    _superCommandName: "rslab",
    abstract: "Run rslab as a Jupyter kernel, or install its kernelspec.",
    discussion: """
      Jupyter starts the kernel itself once the kernelspec is installed: run \
      `rslab kernel install --user`, then `jupyter lab` or `jupyter console --kernel rslab`.
      """,
    subcommands: [Install.self])


  @Option(name: .customShort("f"), help: ArgumentHelp("The connection file Jupyter wrote.", valueName: "CONNECTION_FILE"))
  var connectionFile: String?

  func run() throws {
    guard let connectionFile else {
      Console.err("rslab kernel: needs -f CONNECTION_FILE (Jupyter passes it); to make Jupyter find rslab, run `rslab kernel install --user`")
      throw ExitCode(2)
    }
    let connection: ConnectionFile
    do { connection = try ConnectionFile(path: connectionFile) } catch {
      Console.err("rslab kernel: \(error)")
      throw ExitCode(2)
    }
    let kernel: Kernel
    do { kernel = try Kernel(connection: connection) } catch {
      Console.err("rslab kernel: \(error)")
      throw ExitCode(1)
    }
    let status = kernel.run()
    // The heartbeat and control threads are still inside libzmq calls: leave without
    // running exit-time handlers (libraries' destructors) underneath them.
    Console.flush()
    _exit(status)
  }

  /// `rslab kernel install [--user | --sys-prefix | --prefix DIR]`.
  struct Install: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Write the rslab kernelspec where Jupyter looks for kernels.",
      discussion: """
        Without an option the kernelspec goes to the system-wide folder \
        /usr/local/share/jupyter/kernels/rslab, as `jupyter kernelspec install` does.
        """)

    @Flag(help: "Install for the current user ($JUPYTER_DATA_DIR, else $XDG_DATA_HOME/jupyter or ~/.local/share/jupyter).")
    var user = false

    @Flag(name: .customLong("sys-prefix"), help: "Install into the active Python environment ($VIRTUAL_ENV or $CONDA_PREFIX).")
    var sysPrefix = false

    @Option(help: ArgumentHelp("Install under DIR/share/jupyter/kernels.", valueName: "DIR"))
    var prefix: String?

    func validate() throws {
      if [user, sysPrefix, prefix != nil].filter({ $0 }).count > 1 {
        throw ValidationError("choose one of --user, --sys-prefix and --prefix")
      }
    }

    func run() throws {
      let dataDirectory: String
      if user {
        if let custom = FileSystem.environment("JUPYTER_DATA_DIR"), !custom.isEmpty {
          dataDirectory = custom
        } else if let xdg = FileSystem.environment("XDG_DATA_HOME"), !xdg.isEmpty {
          dataDirectory = xdg + "/jupyter"
        } else if let home = FileSystem.home {
          dataDirectory = home + "/.local/share/jupyter"
        } else {
          Console.err("rslab kernel install: --user needs $HOME; use --prefix DIR")
          throw ExitCode(2)
        }
      } else if sysPrefix {
        guard let env = FileSystem.environment("VIRTUAL_ENV") ?? FileSystem.environment("CONDA_PREFIX"), !env.isEmpty else {
          Console.err("rslab kernel install: --sys-prefix needs an active Python environment ($VIRTUAL_ENV or $CONDA_PREFIX); use --user or --prefix DIR")
          throw ExitCode(2)
        }
        dataDirectory = env + "/share/jupyter"
      } else if let prefix {
        dataDirectory = prefix + "/share/jupyter"
      } else {
        dataDirectory = "/usr/local/share/jupyter"
      }
      guard let executable = KernelSpec.executablePath() else {
        Console.err("rslab kernel install: cannot tell where the rslab binary is (/proc/self/exe)")
        throw ExitCode(1)
      }
      let folder = dataDirectory + "/kernels/" + KernelSpec.name
      do {
        try KernelSpec.install(into: folder, executable: executable)
      } catch {
        Console.err("rslab kernel install: cannot write the kernelspec: \(error)")
        throw ExitCode(1)
      }
      Console.line("installed the \(KernelSpec.displayName) kernelspec in \(folder)")
    }
  }
}
