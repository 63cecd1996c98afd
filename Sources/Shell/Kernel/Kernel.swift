#if canImport(Glibc)
import Glibc
#endif
import Interpreter
import Runtime
import Synchronization

/// A Jupyter kernel for RSL (messaging protocol 5.3 over ZeroMQ): `rslab kernel -f FILE`.
///
/// Threads: the main thread serves the shell socket and runs cells (the session and its
/// interpreter stay on the thread that made them); a control thread answers
/// `interrupt_request`, `shutdown_request` and `kernel_info_request` even while a cell runs,
/// and flushes buffered output; a heartbeat thread echoes pings. Interrupts, by SIGINT
/// (`interrupt_mode: "signal"`) or by `interrupt_request`, stop the running cell at its
/// next safe point exactly as Ctrl-C does in the REPL; variables are kept.
///
/// Every incoming message is checked: a wrong or missing HMAC signature, bad JSON or a
/// wrong frame count drops it with a log line; an unknown `msg_type` is logged. No input
/// can stop the kernel; a failing cell is an `error` reply. Like other Jupyter kernels, it
/// exits when the process that started it goes away.
final class Kernel {
  private let signer: MessageSigner
  /// This kernel's session id, in the header of every message it sends.
  private let sessionID = KernelMessage.newID()
  private let shell: ZMQSocket
  private let control: ZMQSocket
  /// Bound because clients connect to it; RSL asks for no interactive input.
  private let stdinSocket: ZMQSocket
  private let heartbeat: ZMQSocket
  private let publisher: KernelPublisher
  private let flags = Flags()
  private lazy var executor = KernelExecutor(publisher: publisher)
  private var executionCount = 0
  /// `(execution count, code)` of the cells run so far, for `history_request`.
  private var history: [(Int, String)] = []

  /// State the control thread and the main thread share.
  private final class Flags: Sendable {
    /// A shutdown was requested: the main loop ends.
    let shutdown = Atomic<Bool>(false)
    /// A cell is running (a shutdown then interrupts it first).
    let running = Atomic<Bool>(false)
  }

  init(connection: ConnectionFile) throws(ZMQSocket.Failure) {
    signer = MessageSigner(key: Array(connection.key.utf8))
    shell = try ZMQSocket(.router, bind: connection.endpoint(connection.shellPort))
    control = try ZMQSocket(.router, bind: connection.endpoint(connection.controlPort))
    stdinSocket = try ZMQSocket(.router, bind: connection.endpoint(connection.stdinPort))
    heartbeat = try ZMQSocket(.router, bind: connection.endpoint(connection.heartbeatPort))
    let iopub = try ZMQSocket(.pub, bind: connection.endpoint(connection.iopubPort))
    publisher = KernelPublisher(socket: iopub, signer: signer, session: sessionID)
  }

  /// Serves until a `shutdown_request` or SIGTERM; returns the exit status.
  func run() -> Int32 {
    Interrupt.install(cancelling: executor.cancellation, exitOnThirdPress: false)
    if !signer.enabled { KernelLog.write("the connection file has no key: messages are not signed") }
    let heartbeat = self.heartbeat
    KernelThread.spawn { heartbeat.echoForever() }
    let controlChannel = ControlChannel(socket: control, publisher: publisher, signer: signer, sessionID: sessionID, flags: flags)
    KernelThread.spawn { controlChannel.serve() }
    publisher.status("starting", parent: nil)
    while !flags.shutdown.load(ordering: .relaxed) {
      if Interrupt.terminationRequested {
        KernelLog.write("terminated by SIGTERM")
        return ScriptRunner.terminatedStatus
      }
      guard let frames = shell.receive(timeoutMilliseconds: 100) else { continue }
      handleShell(frames)
    }
    // Sockets close without lingering, and exiting ends libzmq's I/O thread: give it a
    // moment to deliver the shutdown reply.
    publisher.flush()
    usleep(100_000)
    return 0
  }

  // MARK: - Shell channel

  private func handleShell(_ frames: [[UInt8]]) {
    let request: KernelMessage
    do { request = try KernelMessage(frames: frames, signer: signer) } catch {
      KernelLog.write("shell: dropped a message: \(error)")
      return
    }
    publisher.status("busy", parent: request)
    defer { publisher.status("idle", parent: request) }
    let content = request.content
    switch request.type {
    case "execute_request":
      execute(request)
    case "kernel_info_request":
      reply(request, "kernel_info_reply", Kernel.kernelInfo)
    case "complete_request":
      let (matches, start, end) = executor.complete(content["code"]?.stringValue ?? "", cursor: content["cursor_pos"]?.intValue)
      reply(request, "complete_reply", .object([
        ("status", .string("ok")), ("matches", .array(matches.map { .string($0) })),
        ("cursor_start", .number(Double(start))), ("cursor_end", .number(Double(end))),
        ("metadata", .object([])),
      ]))
    case "inspect_request":
      let text = executor.inspect(content["code"]?.stringValue ?? "", cursor: content["cursor_pos"]?.intValue)
      reply(request, "inspect_reply", .object([
        ("status", .string("ok")), ("found", .bool(text != nil)),
        ("data", text.map { .object([("text/plain", .string($0))]) } ?? .object([])),
        ("metadata", .object([])),
      ]))
    case "is_complete_request":
      let incomplete = executor.isIncomplete(content["code"]?.stringValue ?? "")
      reply(request, "is_complete_reply", incomplete
        ? .object([("status", .string("incomplete")), ("indent", .string("  "))])
        : .object([("status", .string("complete"))]))
    case "history_request":
      reply(request, "history_reply", .object([
        ("status", .string("ok")),
        ("history", .array(historyEntries(content))),
      ]))
    case "comm_info_request":
      reply(request, "comm_info_reply", .object([("status", .string("ok")), ("comms", .object([]))]))
    case "comm_open":
      // No comm targets exist: say so by closing it, as Jupyter kernels do.
      KernelLog.write("comm_open for unknown target '\(content["target_name"]?.stringValue ?? "")' closed")
      publisher.publish("comm_close", .object([("comm_id", content["comm_id"] ?? .string("")), ("data", .object([]))]), parent: request)
    case "comm_msg", "comm_close":
      KernelLog.write("\(request.type) ignored: rslab has no comms")
    case "shutdown_request":
      let restart = content["restart"]?.boolValue ?? false
      let body = JSONValue.object([("status", .string("ok")), ("restart", .bool(restart))])
      reply(request, "shutdown_reply", body)
      publisher.publish("shutdown_reply", body, parent: request)
      flags.shutdown.store(true, ordering: .relaxed)
    default:
      KernelLog.write("shell: unknown message type '\(request.type)' ignored")
    }
  }

  private func execute(_ request: KernelMessage) {
    let content = request.content
    guard let code = content["code"]?.stringValue else {
      KernelLog.write("execute_request without code")
      reply(request, "execute_reply", .object([
        ("status", .string("error")), ("execution_count", .number(Double(executionCount))),
        ("ename", .string("BadRequest")), ("evalue", .string("execute_request without 'code'")), ("traceback", .array([])),
      ]))
      return
    }
    let silent = content["silent"]?.boolValue ?? false
    let storeHistory = !silent && (content["store_history"]?.boolValue ?? true)
    if storeHistory {
      executionCount += 1
      history.append((executionCount, code))
    }
    if !silent {
      publisher.publish("execute_input", .object([
        ("code", .string(code)), ("execution_count", .number(Double(executionCount))),
      ]), parent: request)
    }
    flags.running.store(true, ordering: .relaxed)
    let outcome = executor.execute(code, count: executionCount, request: request, echo: !silent)
    flags.running.store(false, ordering: .relaxed)
    switch outcome {
    case .ok:
      var expressions: [(String, JSONValue)] = []
      if case .object(let asked)? = content["user_expressions"] {
        for (name, source) in asked {
          expressions.append((name, executor.userExpression(source.stringValue ?? "")))
        }
      }
      reply(request, "execute_reply", .object([
        ("status", .string("ok")), ("execution_count", .number(Double(executionCount))),
        ("user_expressions", .object(expressions)), ("payload", .array([])),
      ]))
    case let .error(name, message, traceback):
      reply(request, "execute_reply", .object([
        ("status", .string("error")), ("execution_count", .number(Double(executionCount))),
        ("ename", .string(name)), ("evalue", .string(message)),
        ("traceback", .array(traceback.map { .string($0) })),
      ]))
      if content["stop_on_error"]?.boolValue ?? true { abortQueuedExecutions() }
    }
  }

  /// After a failing cell, the cells already queued behind it are not run (their replies
  /// say "aborted"), so a notebook's "run all" stops at the first error as in Jupyter.
  private func abortQueuedExecutions() {
    while let frames = shell.receive(timeoutMilliseconds: 0) {
      guard let request = try? KernelMessage(frames: frames, signer: signer), request.type == "execute_request" else {
        handleShell(frames)
        continue
      }
      publisher.status("busy", parent: request)
      reply(request, "execute_reply", .object([("status", .string("aborted")), ("execution_count", .number(Double(executionCount)))]))
      publisher.status("idle", parent: request)
    }
  }

  /// This session's cells for `history_request`: all of them (`range`), the last `n`
  /// (`tail`), or those matching a glob `pattern` (`search`, optionally `unique`, last `n`).
  private func historyEntries(_ content: JSONValue) -> [JSONValue] {
    var entries = history
    let access = content["hist_access_type"]?.stringValue
    if access == "search" {
      let pattern = content["pattern"]?.stringValue ?? "*"
      entries = entries.filter { fnmatch(pattern, $0.1, 0) == 0 }
      if content["unique"]?.boolValue == true {
        var seen = Set<String>()
        entries = entries.reversed().filter { seen.insert($0.1).inserted }.reversed()
      }
    }
    if access == "tail" || access == "search", let n = content["n"]?.intValue, n >= 0 {
      entries = Array(entries.suffix(n))
    }
    // Entries are [session, line, input]; session 0 is the current one.
    return entries.map { .array([.number(0), .number(Double($0.0)), .string($0.1)]) }
  }

  private func reply(_ request: KernelMessage, _ type: String, _ content: JSONValue) {
    let message = KernelMessage(type: type, content: content, parent: request, session: sessionID, identities: request.identities)
    if !shell.send(message.frames(signer: signer)) { KernelLog.write("could not send \(type)") }
  }

  /// `kernel_info_reply` content.
  static var kernelInfo: JSONValue {
    .object([
      ("status", .string("ok")),
      ("protocol_version", .string(KernelMessage.protocolVersion)),
      ("implementation", .string("rslab")),
      ("implementation_version", .string(Session.version)),
      ("language_info", KernelSpec.languageInfo),
      ("banner", .string("rslab \(Session.version) — RSL, a language for real-synthetic semi-supervised learning. :help for help.")),
      ("help_links", .array([])),
      ("debugger", .bool(false)),
    ])
  }

  // MARK: - Control channel

  /// The control thread's loop: answers requests that must not wait for a running cell.
  private struct ControlChannel: Sendable {
    let socket: ZMQSocket
    let publisher: KernelPublisher
    let signer: MessageSigner
    let sessionID: String
    let flags: Flags

    func serve() {
      let parent = getppid()
      while true {
        let frames = socket.receive(timeoutMilliseconds: 100)
        // Printed text reaches front ends within a tick even while a cell is silent.
        publisher.flush()
        // A kernel whose front end has gone (jupyter console exited, the server was
        // killed) is adopted by another process; it stops rather than linger unreachable.
        if getppid() != parent {
          KernelLog.write("the process that started the kernel has gone; exiting")
          shutDown()
          return
        }
        guard let frames else { continue }
        let request: KernelMessage
        do { request = try KernelMessage(frames: frames, signer: signer) } catch {
          KernelLog.write("control: dropped a message: \(error)")
          continue
        }
        publisher.status("busy", parent: request)
        switch request.type {
        case "interrupt_request":
          Kernel.interruptRunningCell()
          reply(request, "interrupt_reply", .object([("status", .string("ok"))]))
        case "kernel_info_request":
          reply(request, "kernel_info_reply", Kernel.kernelInfo)
        case "shutdown_request":
          let restart = request.content["restart"]?.boolValue ?? false
          let body = JSONValue.object([("status", .string("ok")), ("restart", .bool(restart))])
          reply(request, "shutdown_reply", body)
          publisher.publish("shutdown_reply", body, parent: request)
          shutDown()
        default:
          KernelLog.write("control: unknown message type '\(request.type)' ignored")
        }
        publisher.status("idle", parent: request)
      }
    }

    /// Asks the main thread to stop (interrupting a running cell); exits on its own if the
    /// cell does not reach a safe point soon (e.g. inside one long BLAS call).
    private func shutDown() {
      flags.shutdown.store(true, ordering: .relaxed)
      if flags.running.load(ordering: .relaxed) { Kernel.interruptRunningCell() }
      for _ in 0..<30 {
        usleep(100_000)
        if !flags.running.load(ordering: .relaxed) { return }
      }
      KernelLog.write("the running cell did not stop within 3 s of the shutdown request; exiting")
      _exit(0)
    }

    private func reply(_ request: KernelMessage, _ type: String, _ content: JSONValue) {
      let message = KernelMessage(type: type, content: content, parent: request, session: sessionID, identities: request.identities)
      if !socket.send(message.frames(signer: signer)) { KernelLog.write("could not send \(type)") }
    }
  }

  /// Stops the running cell at its next safe point: the same SIGINT path as Ctrl-C in the
  /// REPL and as `interrupt_mode: "signal"`, so there is one way a cell is interrupted.
  static func interruptRunningCell() {
    raise(SIGINT)
  }
}

/// Detached POSIX threads for the kernel's control and heartbeat loops (Foundation's
/// `Thread` would cost startup time for every rslab command).
enum KernelThread {
  private final class Body {
    let run: @Sendable () -> Void
    init(_ run: @escaping @Sendable () -> Void) { self.run = run }
  }

  static func spawn(_ body: @escaping @Sendable () -> Void) {
    let box = Unmanaged.passRetained(Body(body)).toOpaque()
    var thread = pthread_t()
    let rc = pthread_create(&thread, nil, { argument in
      guard let argument else { return nil }
      Unmanaged<Body>.fromOpaque(argument).takeRetainedValue().run()
      return nil
    }, box)
    if rc == 0 {
      pthread_detach(thread)
    } else {
      Unmanaged<Body>.fromOpaque(box).release()
      KernelLog.write("cannot start a thread: \(String(cString: strerror(rc)))")
    }
  }
}
