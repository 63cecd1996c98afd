import ArgumentParser
import Interpreter
import Runtime

#if canImport(Glibc)
import Glibc
#endif

/// The `rslab` command line: REPL, scripts, one-liners, notebooks.
///
/// Exit status: 0 success, 1 error in the program, 2 bad command line (ArgumentParser's
/// usage errors would exit 64; `main` maps them to 2 as docs/language.md documents).
@main
struct RSLab: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "rslab",
    abstract: "A notebook-style REPL and scripting language for real-synthetic semi-supervised learning.",
    usage: """
      rslab                          REPL (or, without a terminal, the script on stdin)
      rslab FILE.rsl [args...]       run a script; args() returns the extra arguments
      rslab -e EXPR [args...]        evaluate and print
      rslab notebook FILE.rsl -o OUT.ipynb|OUT.md [--keep-going] [-- args...]
      rslab sweep run|status|report|cell FILE.yaml ...   (rslab sweep --help)
      rslab kernel install [--user | --sys-prefix | --prefix DIR]   Jupyter kernelspec
      rslab kernel -f CONNECTION_FILE  Jupyter kernel (Jupyter starts it)
      rslab --builtins | --help | --version
      """,
    discussion: """
      Exit status: 0 success, 1 error in the program, 2 bad command line, \
      130 interrupted (Ctrl-C), 143 terminated (SIGTERM).

      In the REPL, type :help for the commands and keys.
      """,
    version: "rslab \(Session.version)",
    subcommands: [NotebookCommand.self, SweepCommand.self, KernelCommand.self])

  @Option(name: [.customShort("e"), .customLong("eval")], help: ArgumentHelp("Evaluate EXPR and print its value.", valueName: "EXPR"))
  var expression: String?

  @Flag(name: .customLong("builtins"), help: "Print the reference of every builtin as Markdown.")
  var builtins = false

  @Argument(help: ArgumentHelp("A script to run (.rsl).", valueName: "FILE"))
  var file: String?

  @Argument(parsing: .captureForPassthrough, help: ArgumentHelp("Arguments for the script, returned by args().", valueName: "args"))
  var scriptArguments: [String] = []

  func validate() throws {
    if builtins && (expression != nil || file != nil) {
      throw ValidationError("--builtins takes no script or expression")
    }
  }

  func run() throws {
    let status: Int32
    if builtins {
      Console.out(Session().builtinReference())
      status = 0
    } else if let expression {
      // With -e, every positional argument belongs to the program.
      let arguments = (file.map { [$0] } ?? []) + scriptArguments
      status = ScriptRunner.run(expression, file: "-e", arguments: arguments, echo: true)
    } else if let file {
      let source: String
      do {
        source = try FileBytes.readText(file)
      } catch {
        Console.err("rslab: cannot open script \(error)")
        throw ExitCode(2)
      }
      status = ScriptRunner.run(source, file: file, arguments: scriptArguments, echo: false)
    } else if Console.stdinIsTerminal {
      status = REPL().run()
    } else {
      status = ScriptRunner.run(Console.readAllStdin(), file: "<stdin>", arguments: [], echo: false)
    }
    if status != 0 { throw ExitCode(status) }
  }

  /// Parses and runs, mapping ArgumentParser's usage-error status (64) to 2.
  static func main() {
    let arguments = Array(CommandLine.arguments.dropFirst())
    // A root command with positional arguments never dispatches to subcommands, so
    // `notebook` and `kernel` (and `help notebook`, `help kernel`) are routed here.
    if arguments.first == "notebook" {
      NotebookCommand.runRoutedSubcommand(Array(arguments.dropFirst()))
      return
    }
    if arguments.first == "sweep" {
      SweepCommand.runRoutedSubcommand(Array(arguments.dropFirst()))
      return
    }
    if arguments.first == "kernel" {
      KernelCommand.runRoutedSubcommand(Array(arguments.dropFirst()))
      return
    }
    if arguments.count >= 2, arguments[0] == "help", arguments[1] == "notebook" {
      Console.out(NotebookCommand.helpMessage())
      return
    }
    if arguments.count >= 2, arguments[0] == "help", arguments[1] == "kernel" {
      Console.out(KernelCommand.helpMessage())
      return
    }
    do {
      var command = try parseAsRoot(arguments)
      try command.run()
    } catch {
      let code = exitCode(for: error)
      if code == .validationFailure {
        Console.err(fullMessage(for: error))
        Console.flush()
        Glibc.exit(2)
      }
      exit(withError: error)
    }
  }
}
