import ArgumentParser
import Interpreter
import Runtime

/// `rslab notebook FILE.rsl -o OUT.ipynb|OUT.md [--keep-going]`.
struct NotebookCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "notebook",
    _superCommandName: "rslab",
    abstract: "Run a script's `# %%` cells and write a notebook with their outputs.",
    discussion: """
      Cells follow the jupytext percent format: `# %%` starts a code cell, \
      `# %% [markdown]` a markdown cell written as `# ` comments. The extension of OUT \
      picks the format: .ipynb (Jupyter, nbformat 4.5, images embedded) or .md \
      (Markdown; images are saved in a folder OUT_files beside it).

      The run stops at the first failing cell unless --keep-going; the notebook is \
      written either way, and the exit status is 1 when a cell failed.
      """)


  @Argument(help: ArgumentHelp("The notebook script (.rsl).", valueName: "FILE"))
  var file: String

  @Option(name: .shortAndLong, help: ArgumentHelp("The notebook to write (.ipynb or .md).", valueName: "OUT"))
  var output: String

  @Flag(name: .customLong("keep-going"), help: "Run the cells after a failing cell too.")
  var keepGoing = false

  @Argument(parsing: .postTerminator, help: ArgumentHelp("Arguments for the script after `--`, returned by args().", valueName: "args"))
  var scriptArguments: [String] = []

  func validate() throws {
    guard NotebookFormat(path: output) != nil else {
      throw ValidationError("the output must end in .ipynb or .md, not '\(PathName.baseName(of: output))'")
    }
  }

  func run() throws {
    guard let format = NotebookFormat(path: output) else { throw ExitCode(2) }
    let source: String
    do {
      source = try FileBytes.readText(file)
    } catch {
      Console.err("rslab: cannot open notebook \(error)")
      throw ExitCode(2)
    }
    let cells = Cells.parse(source)
    let runner = NotebookRunner(file: file, arguments: scriptArguments, keepGoing: keepGoing)
    Interrupt.install(cancelling: runner.session.cancellation)
    let executed = runner.run(cells)
    do {
      switch format {
      case .ipynb: try IPYNB.write(executed, to: output)
      case .markdown: try MarkdownNotebook.write(executed, to: output)
      }
    } catch {
      Console.err("rslab: cannot write the notebook: \(error)")
      throw ExitCode(1)
    }
    let ran = executed.filter { $0.executionCount != nil }.count
    let codeCells = executed.filter { $0.cell.kind == .code }.count
    Console.err("rslab: wrote \(output) (\(executed.count) cells, \(ran) of \(codeCells) code cells run)")
    if let failure = runner.firstFailure {
      Console.err(failure.rendered)
      if Interrupt.terminationRequested { throw ExitCode(ScriptRunner.terminatedStatus) }
      throw ExitCode(runner.interrupted ? ScriptRunner.interruptedStatus : 1)
    }
  }
}

/// The notebook file formats `-o` accepts, chosen by extension.
enum NotebookFormat {
  case ipynb, markdown

  init?(path: String) {
    let lower = path.lowercased()
    if lower.hasSuffix(".ipynb") { self = .ipynb }
    else if lower.hasSuffix(".md") { self = .markdown }
    else { return nil }
  }
}
