import Foundation
import XCTest

/// The REPL through a pseudo-terminal (tmux): echo, history, completion, multi-line entry,
/// Ctrl-C at the prompt and during a computation, Ctrl-D.
final class REPLTests: XCTestCase {
  private var folder = ""
  private var history = ""

  override func setUpWithError() throws {
    folder = try makeTemporaryFolder(self)
    history = folder + "/history"
  }

  private func start() throws -> TmuxSession {
    let binary = try RSLabBinary.path()
    let session = try TmuxSession(
      "env TERM=xterm HOME='\(folder)' RSLAB_HISTORY='\(history)' INPUTRC=/dev/null '\(binary)'",
      directory: folder, socketFolder: folder, test: self)
    session.waitFor("rslab ")
    session.waitForPrompt()
    return session
  }

  func testEchoErrorsAndMetaCommands() throws {
    let repl = try start()
    repl.enter("x = 20 + 1")
    repl.waitForPrompt()
    repl.enter("x * 2")
    repl.waitFor("\n42\nrsl>")
    repl.enter("x +* 1")
    repl.waitFor("<repl>:1:")
    repl.waitForPrompt()
    repl.enter(":vars")
    repl.waitFor("the variable table") { $0.contains("x ") && $0.contains("number") }
    repl.enter(":time x + 1")
    repl.waitFor("time: ")
    repl.enter(":reset")
    repl.waitFor("forgotten")
    repl.enter(":vars")
    repl.waitFor("no variables yet")
    try writeFile(folder, "lib.rsl", "loaded_value = 7\n")
    repl.enter(":load lib.rsl")
    repl.waitFor("loaded lib.rsl")
    repl.enter("loaded_value")
    repl.waitFor("\n7\nrsl>")
    repl.enter(":nonsense")
    repl.waitFor("unknown command ':nonsense'")
    repl.enter(":quit")
    repl.waitFor("[exited 0]")
  }

  func testHistoryIsRecalledAndPersisted() throws {
    let repl = try start()
    repl.enter("answer = 6 * 7")
    repl.waitForPrompt()
    repl.enter("1 + 1")
    repl.waitFor("\n2\nrsl>")
    repl.press("Up", "Up")
    repl.waitFor("the recalled entry") { $0.hasSuffix("rsl> answer = 6 * 7") }
    repl.press("C-c")
    repl.waitForPrompt()
    repl.press("C-d")
    repl.waitFor("[exited 0]")
    let saved = try String(contentsOfFile: history, encoding: .utf8)
    XCTAssertTrue(saved.contains("answer = 6 * 7\n1 + 1\n"), saved)

    // A new session starts with the saved history.
    let again = try start()
    again.press("Up", "Up")
    again.waitFor("the entry from the previous session") { $0.hasSuffix("rsl> answer = 6 * 7") }
    again.press("Enter")
    again.enter("answer")
    again.waitFor("\n42\nrsl>")
  }

  func testTabCompletion() throws {
    try writeFile(folder, "unique_data_file.txt", "")
    try FileManager.default.createDirectory(atPath: folder + "/data_folder", withIntermediateDirectories: true)
    try writeFile(folder, "data_folder/inner.png", "")
    let repl = try start()
    repl.enter("learning_rate = 3")
    repl.waitForPrompt()
    // A variable.
    repl.type("learning_r")
    repl.press("Tab")
    repl.waitFor("the completed variable") { $0.hasSuffix("rsl> learning_rate") }
    repl.press("Enter")
    repl.waitFor("\n3\nrsl>")
    // A builtin.
    repl.type("sqr")
    repl.press("Tab")
    repl.waitFor("the completed builtin") { $0.hasSuffix("rsl> sqrt") }
    repl.type("(16)")
    repl.press("Enter")
    repl.waitFor("\n4\nrsl>")
    // A keyword argument inside a call.
    repl.type("cross_entropy(x, y, redu")
    repl.press("Tab")
    repl.waitFor("the completed keyword") { $0.contains("rsl> cross_entropy(x, y, reduction:") }
    repl.press("C-c")
    repl.waitForPrompt()
    // A meta command.
    repl.type(":res")
    repl.press("Tab")
    repl.waitFor("the completed command") { $0.hasSuffix("rsl> :reset") }
    repl.press("C-c")
    repl.waitForPrompt()
    // A field after `x.`.
    repl.enter("config = {alpha: 1, beta: 2}")
    repl.waitForPrompt()
    repl.type("config.al")
    repl.press("Tab")
    repl.waitFor("the completed field") { $0.hasSuffix("rsl> config.alpha") }
    repl.press("C-c")
    repl.waitForPrompt()
    // A file path inside a string literal.
    repl.type("name = \"unique_d")
    repl.press("Tab")
    repl.waitFor("the completed path") { $0.hasSuffix("rsl> name = \"unique_data_file.txt") }
    repl.enter("\"")
    repl.enter("name")
    repl.waitFor("unique_data_file.txt\"\nrsl>")
    // A folder completes with a slash, and completion continues inside it.
    repl.type("inner = load_png(\"data_f")
    repl.press("Tab")
    repl.waitFor("the completed folder") { $0.hasSuffix("rsl> inner = load_png(\"data_folder/") }
    repl.press("Tab")
    repl.waitFor("the file in the folder") { $0.hasSuffix("rsl> inner = load_png(\"data_folder/inner.png") }
  }

  func testMultiLineFunction() throws {
    let repl = try start()
    repl.enter("fn square_plus(a, b: 1)")
    repl.waitFor("the continuation prompt") { $0.hasSuffix("...") }
    repl.enter("  return a * a + b")
    repl.waitFor("the continuation prompt") { $0.hasSuffix("...") }
    repl.enter("end")
    repl.waitForPrompt()
    repl.enter("square_plus(7, b: 2)")
    repl.waitFor("\n51\nrsl>")
    // An open bracket continues too.
    repl.enter("[1,")
    repl.waitFor("the continuation prompt") { $0.hasSuffix("...") }
    repl.enter(" 2]")
    repl.waitFor("\n[1, 2]\nrsl>")
  }

  func testCtrlCStopsALongLoopAndKeepsVariables() throws {
    let repl = try start()
    repl.enter("kept = 5")
    repl.waitForPrompt()
    repl.enter("i = 0")
    repl.waitForPrompt()
    repl.enter("while true")
    repl.enter("  i += 1")
    repl.enter("end")
    usleep(500_000)
    repl.press("C-c")
    repl.waitFor("interrupted")
    repl.waitForPrompt()
    repl.enter("kept")
    repl.waitFor("\n5\nrsl>")
    repl.enter("i > 0")
    repl.waitFor("\ntrue\nrsl>")
  }

  func testCtrlCClearsTheLineAndCtrlDExits() throws {
    let repl = try start()
    repl.type("this is discarded")
    // The terminal drops unread input on Ctrl-C, so wait until readline has shown it.
    repl.waitFor("the typed text") { $0.hasSuffix("rsl> this is discarded") }
    repl.press("C-c")
    repl.waitFor("rsl> this is discarded^C\nrsl>")
    // Ctrl-C in a multi-line entry drops the whole entry.
    repl.enter("fn f()")
    repl.waitFor("the continuation prompt") { $0.hasSuffix("...") }
    repl.press("C-c")
    repl.waitForPrompt()
    repl.enter("2 + 3")
    repl.waitFor("\n5\nrsl>")
    repl.press("C-d")
    repl.waitFor("[exited 0]")
  }
}
