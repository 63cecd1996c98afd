import Runtime
import Synchronization

/// The iopub channel: the kernel's broadcasts (status, printed text, results, pictures,
/// errors) to every connected front end.
///
/// Both the cell-running thread and the control thread publish, and a ZeroMQ socket is
/// not thread-safe, so the socket lives inside a `Mutex`. Printed text is buffered and sent
/// as one `stream` message when something else is published, when a cell ends, or when
/// the control thread's tick calls `flush()` (every 100 ms), so a loop printing thousands
/// of lines sends a few messages, not thousands, and text still appears while a cell runs.
final class KernelPublisher: Sendable {
  private struct State {
    let socket: ZMQSocket
    var pendingName = ""
    var pendingText = ""
    var pendingParent: KernelMessage?
  }

  private let state: Mutex<State>
  private let signer: MessageSigner
  private let session: String

  init(socket: ZMQSocket, signer: MessageSigner, session: String) {
    state = Mutex(State(socket: socket))
    self.signer = signer
    self.session = session
  }

  /// Broadcasts a message of `type` caused by `parent`, after any buffered text.
  func publish(_ type: String, _ content: JSONValue, parent: KernelMessage?) {
    state.withLock { s in
      flushLocked(&s)
      send(&s, type, content, parent: parent)
    }
  }

  /// Queues printed text for a `stream` message named `name` (stdout or stderr).
  func stream(_ name: String, _ text: String, parent: KernelMessage?) {
    guard !text.isEmpty else { return }
    state.withLock { s in
      if s.pendingName != name || s.pendingParent?.header != parent?.header { flushLocked(&s) }
      s.pendingName = name
      s.pendingParent = parent
      s.pendingText += text
      // A very chatty cell still sends bounded messages.
      if s.pendingText.utf8.count >= 1 << 16 { flushLocked(&s) }
    }
  }

  /// Sends buffered text now.
  func flush() {
    state.withLock { flushLocked(&$0) }
  }

  /// `status` busy or idle, the bracket around every request.
  func status(_ state: String, parent: KernelMessage?) {
    publish("status", .object([("execution_state", .string(state))]), parent: parent)
  }

  private func flushLocked(_ s: inout State) {
    guard !s.pendingText.isEmpty else { return }
    let content = JSONValue.object([("name", .string(s.pendingName)), ("text", .string(s.pendingText))])
    let parent = s.pendingParent
    s.pendingText = ""
    send(&s, "stream", content, parent: parent)
  }

  private func send(_ s: inout State, _ type: String, _ content: JSONValue, parent: KernelMessage?) {
    // Subscribers filter by topic; Jupyter clients subscribe to everything.
    let topic = Array("kernel.\(session).\(type)".utf8)
    let message = KernelMessage(type: type, content: content, parent: parent, session: session, identities: [topic])
    if !s.socket.send(message.frames(signer: signer)) {
      KernelLog.write("could not publish a \(type) message")
    }
  }
}

/// The kernel's log: standard error, which Jupyter servers keep in their log.
enum KernelLog {
  static func write(_ line: String) { Console.err("rslab kernel: " + line) }
}
