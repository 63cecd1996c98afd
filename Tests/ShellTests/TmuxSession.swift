import Foundation
import XCTest

/// A program running in a pseudo-terminal under tmux, driven by keystrokes and read back
/// from the screen. Each session uses its own tmux server, on a socket inside the test's
/// temporary folder, so tests never touch a user's tmux; the server is killed on teardown.
final class TmuxSession {
  let socket: String
  private let name = "rslab"

  /// Starts `command` (a shell command line) in a 120x40 terminal in `directory`.
  init(_ command: String, directory: String, socketFolder: String, test: XCTestCase) throws {
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux") else {
      print("TmuxSession: skipping REPL test: tmux is not installed")
      throw XCTSkip("tmux is not installed")
    }
    socket = socketFolder + "/tmux-\(UUID().uuidString.prefix(8))"
    // `; sleep` keeps the pane (and its last screen) alive after rslab exits.
    // The server this starts keeps inherited descriptors open, so its output is not captured.
    let status = TmuxSession.tmux(["-S", socket, "-f", "/dev/null", "new-session", "-d", "-x", "120", "-y", "40",
                                   "-c", directory, "-s", name, command + "; echo \"[exited $?]\"; sleep 60"],
                                  capture: false)
    guard status.code == 0 else { throw XCTSkip("tmux cannot start a session: \(status.output)") }
    test.addTeardownBlock { [socket] in _ = TmuxSession.tmux(["-S", socket, "kill-server"]) }
  }

  /// Types literal text (no Enter).
  func type(_ text: String) { _ = TmuxSession.tmux(["-S", socket, "send-keys", "-t", name, "-l", text]) }

  /// Presses keys by tmux name: "Enter", "Up", "Tab", "C-c", "C-d".
  func press(_ keys: String...) { _ = TmuxSession.tmux(["-S", socket, "send-keys", "-t", name] + keys) }

  /// Types a line and presses Enter.
  func enter(_ text: String) {
    type(text)
    press("Enter")
  }

  /// The visible screen, trailing blank lines removed.
  var screen: String {
    let out = TmuxSession.tmux(["-S", socket, "capture-pane", "-p", "-t", name]).output
    return out.split(separator: "\n", omittingEmptySubsequences: false)
      .map { String($0) }.reversed().drop { $0.allSatisfy(\.isWhitespace) }.reversed().joined(separator: "\n")
  }

  /// The last screen line (where the cursor's prompt is).
  var lastLine: String { screen.split(separator: "\n", omittingEmptySubsequences: false).last.map(String.init) ?? "" }

  /// Waits until `condition(screen)` holds; fails the test with the screen after `timeout`.
  @discardableResult
  func waitFor(_ what: String, timeout: TimeInterval = 10, file: StaticString = #filePath, line: UInt = #line,
               _ condition: (String) -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
      if condition(screen) { return true }
      usleep(30_000)
    }
    XCTFail("timed out waiting for \(what); screen:\n\(screen)", file: file, line: line)
    return false
  }

  /// Waits until the screen contains `text`.
  @discardableResult
  func waitFor(_ text: String, timeout: TimeInterval = 10, file: StaticString = #filePath, line: UInt = #line) -> Bool {
    waitFor("'\(text)'", timeout: timeout, file: file, line: line) { $0.contains(text) }
  }

  /// Waits until the last line is exactly a fresh prompt.
  @discardableResult
  func waitForPrompt(_ prompt: String = "rsl> ", timeout: TimeInterval = 10, file: StaticString = #filePath,
                     line: UInt = #line) -> Bool {
    waitFor("the prompt '\(prompt)'", timeout: timeout, file: file, line: line) { screen in
      let last = screen.split(separator: "\n", omittingEmptySubsequences: false).last ?? ""
      return last == prompt.trimmingCharacters(in: .whitespaces) || last == prompt
    }
  }

  /// Runs tmux and waits for it. Uses posix_spawn + waitpid rather than Foundation's
  /// Process, whose exit monitoring hangs when the child forks a daemon (the tmux server).
  @discardableResult
  static func tmux(_ arguments: [String], capture: Bool = true) -> (code: Int32, output: String) {
    var pipeFDs: [Int32] = [-1, -1]
    guard pipe(&pipeFDs) == 0 else { return (-1, "pipe failed") }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    if capture {
      posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 1)
      posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 2)
    } else {
      posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
      posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    }
    posix_spawn_file_actions_addclose(&actions, pipeFDs[0])
    posix_spawn_file_actions_addclose(&actions, pipeFDs[1])
    let argv = (["/usr/bin/tmux"] + arguments).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, "/usr/bin/tmux", &actions, nil, argv, environ)
    close(pipeFDs[1])
    var output: [UInt8] = []
    if spawned == 0 {
      var chunk = [UInt8](repeating: 0, count: 4096)
      while true {
        let n = chunk.withUnsafeMutableBytes { read(pipeFDs[0], $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { break }
        output += chunk[0..<n]
      }
    }
    close(pipeFDs[0])
    guard spawned == 0 else { return (-1, "posix_spawn failed: \(spawned)") }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    return (code, String(decoding: output, as: UTF8.self))
  }
}
