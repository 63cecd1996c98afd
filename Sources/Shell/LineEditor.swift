#if canImport(Glibc)
import Glibc
#endif
// Readline's state is C globals (rl_point, rl_line_buffer, ...), which Swift 6 flags as
// shared mutable state. @preconcurrency accepts them here, in the one file that drives
// readline, and only from the main thread.
@preconcurrency import CReadline

/// What one call to `LineEditor.readLine` produced.
enum LineInput: Equatable {
  /// A line the user entered (without its newline).
  case line(String)
  /// Ctrl-C at the prompt: the partial input was discarded.
  case interrupted
  /// Ctrl-D on an empty line, end of input, or SIGTERM.
  case endOfInput
}

/// GNU readline behind a small API: line editing, persistent history, tab completion.
///
/// This file and Interrupt.swift are the only places that touch C globals. Readline is
/// used through its callback ("alternate") interface: we wait for input with `poll`, so a
/// Ctrl-C at the prompt interrupts the wait (EINTR) and the partial line can be discarded
/// without longjmp tricks, while the signal handler itself only stores an atomic flag.
final class LineEditor {
  /// Completes the word before `cursor` (a Character offset in `line`): returns where the
  /// replaced text starts (a Character offset) and the full replacements for it.
  typealias Completer = (_ line: String, _ cursor: Int) -> (start: Int, candidates: [String])

  private enum Pending { case waiting, line(String), endOfInput }

  // Readline's C callbacks cannot capture context, so what they need lives in statics.
  // nonisolated(unsafe) is sound here: readline is only ever driven from the main thread,
  // one LineEditor exists per process, and signal handlers never touch these.
  nonisolated(unsafe) private static var completer: Completer?
  nonisolated(unsafe) private static var pending: Pending = .waiting
  /// C strings readline keeps pointers to for the life of the process.
  nonisolated(unsafe) private static let readlineName = strdup("rslab")
  nonisolated(unsafe) private static let wordBreaks = strdup(" \t\n\"'`@$><=;|&{}(),[]+-*/%!^~")

  private let historyPath: String?
  private var lastHistoryEntry: String?

  /// Sets up readline; loads the history from `historyPath` (nil: no persistent history).
  init(historyPath: String?, completer: @escaping Completer) {
    self.historyPath = historyPath
    LineEditor.completer = completer
    rl_readline_name = UnsafePointer(LineEditor.readlineName)
    // Our SIGINT handler stays in charge; readline must not install its own.
    rl_catch_signals = 0
    rl_completer_word_break_characters = UnsafePointer(LineEditor.wordBreaks)
    rl_attempted_completion_function = LineEditor.complete
    // Otherwise readline treats a `"` before the word as a delimiter and closes the string
    // after completing a path, even a folder ("dir/") that the user wants to continue.
    rl_basic_quote_characters = nil
    rl_completion_query_items = 200
    using_history()
    if let path = historyPath {
      // append_history needs an existing file; create it private to the user.
      let fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o600)
      if fd >= 0 { close(fd) }
      history_truncate_file(path, 5000)
      read_history(path)
      if history_length > 0, let entry = history_get(history_base + history_length - 1),
         let text = entry.pointee.line {
        lastHistoryEntry = String(cString: text)
      }
    }
  }

  /// Shows `prompt` and reads one line with editing and completion.
  func readLine(prompt: String) -> LineInput {
    LineEditor.pending = .waiting
    rl_callback_handler_install(prompt, LineEditor.lineDone)
    var fds = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
    while true {
      let ready = poll(&fds, 1, -1)
      if ready < 0 {
        guard errno == EINTR else { return abandonLine(.endOfInput) }
        if Interrupt.takeInterrupt() { return abandonLine(.interrupted) }
        if Interrupt.terminationRequested { return abandonLine(.endOfInput) }
        continue
      }
      if fds.revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 {
        rl_callback_read_char()
      }
      switch LineEditor.pending {
      case .waiting: continue
      case .line(let text): return .line(text)
      case .endOfInput: return .endOfInput
      }
    }
  }

  /// Adds an entered line to the history (skipping blanks and immediate repeats) and
  /// appends it to the history file at once, so a crash loses nothing.
  func addHistory(_ line: String) {
    guard line.contains(where: { !$0.isWhitespace }), line != lastHistoryEntry else { return }
    lastHistoryEntry = line
    add_history(line)
    if let path = historyPath { append_history(1, path) }
  }

  /// Discards the partial line after Ctrl-C or SIGTERM and restores the terminal.
  private func abandonLine(_ result: LineInput) -> LineInput {
    // Show where the input was abandoned, like a shell does.
    Console.out(result == .interrupted ? "^C\n" : "\n")
    Console.flush()
    rl_free_line_state()
    rl_callback_sigcleanup()
    rl_replace_line("", 0)
    rl_callback_handler_remove()
    return result
  }

  /// Readline's line handler: nil means end of input (Ctrl-D on an empty line).
  private static let lineDone: @convention(c) (UnsafeMutablePointer<CChar>?) -> Void = { text in
    // Removing the handler here stops readline from redrawing the prompt; the terminal
    // goes back to normal mode while the entry runs.
    rl_callback_handler_remove()
    if let text {
      LineEditor.pending = .line(String(cString: text))
      free(text)
    } else {
      LineEditor.pending = .endOfInput
    }
  }

  /// Readline's completion hook: asks the Swift completer and hands back a malloc'd,
  /// NULL-terminated array whose first entry is the longest common prefix.
  private static let complete: @convention(c) (UnsafePointer<CChar>?, Int32, Int32)
    -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = { _, start, _ in
    rl_attempted_completion_over = 1  // never fall back to readline's filename completion
    rl_completion_suppress_append = 1  // candidates carry their own suffix ("/", "(")
    guard let completer = LineEditor.completer, let buffer = rl_line_buffer else { return nil }
    let bytes = Array(UnsafeBufferPointer(start: UnsafeRawPointer(buffer).assumingMemoryBound(to: UInt8.self),
                                          count: Int(strlen(buffer))))
    let point = min(max(0, Int(rl_point)), bytes.count)
    let line = String(decoding: bytes, as: UTF8.self)
    let cursor = String(decoding: bytes[0..<point], as: UTF8.self).count
    let (startChar, candidates) = completer(line, cursor)
    guard !candidates.isEmpty else { return nil }
    // Translate the completer's start into readline's word start.
    let myStart = Array(line.prefix(max(0, min(startChar, cursor))).utf8).count
    let rlStart = min(max(0, Int(start)), point)
    let adjusted: [String] = candidates.compactMap { c in
      if myStart < rlStart {
        let extra = String(decoding: bytes[myStart..<rlStart], as: UTF8.self)
        return c.hasPrefix(extra) ? String(c.dropFirst(extra.count)) : nil
      } else if myStart > rlStart {
        return String(decoding: bytes[rlStart..<myStart], as: UTF8.self) + c
      }
      return c
    }
    guard !adjusted.isEmpty else { return nil }
    let unique = Array(Set(adjusted)).sorted()
    let common = unique.count == 1 ? unique[0] : longestCommonPrefix(unique)
    // readline frees the array and its strings with free(), so allocate with malloc.
    guard let raw = malloc(MemoryLayout<UnsafeMutablePointer<CChar>?>.stride * (unique.count + 2)) else { return nil }
    let matches = raw.bindMemory(to: UnsafeMutablePointer<CChar>?.self, capacity: unique.count + 2)
    matches[0] = strdup(common)
    if unique.count == 1 {
      matches[1] = nil
    } else {
      for (i, m) in unique.enumerated() { matches[i + 1] = strdup(m) }
      matches[unique.count + 1] = nil
    }
    return matches
  }

  private static func longestCommonPrefix(_ words: [String]) -> String {
    guard var prefix = words.first.map(Array.init) else { return "" }
    for w in words.dropFirst() {
      let chars = Array(w)
      var n = 0
      while n < prefix.count, n < chars.count, prefix[n] == chars[n] { n += 1 }
      prefix = Array(prefix[0..<n])
    }
    return String(prefix)
  }
}
