#if canImport(Glibc)
import Glibc
#endif
import CZMQ

/// Every libzmq call rslab makes: one context, sockets on it, multipart send and receive,
/// polling and the heartbeat echo.
///
/// A ZeroMQ socket must not be used by two threads at once. The kernel gives each socket
/// to one thread (shell: main thread; control: its own thread; heartbeat: its own thread)
/// and keeps iopub behind a `Mutex`, which is why the type can be `@unchecked Sendable`:
/// it is only ever moved to the thread that owns it.
final class ZMQSocket: @unchecked Sendable {
  /// The ZeroMQ socket types the kernel uses.
  enum Kind {
    case router, pub

    var raw: Int32 {
      switch self {
      case .router: return ZMQ_ROUTER
      case .pub: return ZMQ_PUB
      }
    }
  }

  /// Why a ZeroMQ call failed, with libzmq's own message.
  struct Failure: Error, CustomStringConvertible {
    let description: String
  }

  /// libzmq's functions, loaded on first use (CZMQ/shim.h), or why they could not be.
  private static let library: Result<rslab_zmq_api, Failure> = {
    var api = rslab_zmq_api()
    if let error = rslab_zmq_load(&api) {
      return .failure(Failure(description: "cannot load libzmq (\(String(cString: error))); install libzmq5 (scripts/setup.sh)"))
    }
    return .success(api)
  }()

  /// The process's one ZeroMQ context (thread-safe by libzmq's contract).
  private nonisolated(unsafe) static let context: UnsafeMutableRawPointer? = {
    guard case .success(let zmq) = library else { return nil }
    return zmq.ctx_new()
  }()

  /// libzmq's function table; a socket exists only once it loaded.
  private let zmq: rslab_zmq_api

  private let handle: UnsafeMutableRawPointer
  /// The endpoint the socket is bound to.
  let endpoint: String

  /// Creates a socket of `kind` bound to `endpoint` (e.g. `tcp://127.0.0.1:5555`).
  init(_ kind: Kind, bind endpoint: String) throws(Failure) {
    let zmq = try ZMQSocket.library.get()
    guard let context = ZMQSocket.context else { throw ZMQSocket.lastFailure(zmq, "cannot create a ZeroMQ context") }
    guard let handle = zmq.socket(context, kind.raw) else { throw ZMQSocket.lastFailure(zmq, "cannot create a socket") }
    // Close without waiting for undelivered messages: a kernel that is told to stop stops.
    var linger: Int32 = 0
    _ = zmq.setsockopt(handle, ZMQ_LINGER, &linger, MemoryLayout<Int32>.size)
    guard zmq.bind(handle, endpoint) == 0 else {
      let failure = ZMQSocket.lastFailure(zmq, "cannot bind \(endpoint)")
      _ = zmq.close(handle)
      throw failure
    }
    self.zmq = zmq
    self.handle = handle
    self.endpoint = endpoint
  }

  deinit { _ = zmq.close(handle) }

  /// Sends `frames` as one multipart message. Returns false when libzmq refused it.
  @discardableResult
  func send(_ frames: [[UInt8]]) -> Bool {
    for (i, frame) in frames.enumerated() {
      let flags = i + 1 < frames.count ? ZMQ_SNDMORE : 0
      var rc: Int32
      repeat {
        rc = frame.withUnsafeBytes { zmq.send(handle, $0.baseAddress, $0.count, flags) }
      } while rc < 0 && zmq.errno_() == EINTR
      if rc < 0 { return false }
    }
    return true
  }

  /// Waits up to `timeoutMilliseconds` (-1: forever) for a message; returns its frames, or
  /// nil when none arrived (timeout or a signal interrupted the wait).
  func receive(timeoutMilliseconds: Int) -> [[UInt8]]? {
    var item = zmq_pollitem_t(socket: handle, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0)
    let ready = zmq.poll(&item, 1, timeoutMilliseconds)
    guard ready > 0, item.revents & Int16(ZMQ_POLLIN) != 0 else { return nil }
    var frames: [[UInt8]] = []
    while true {
      var message = zmq_msg_t()
      _ = zmq.msg_init(&message)
      defer { _ = zmq.msg_close(&message) }
      var rc: Int32
      repeat { rc = zmq.msg_recv(&message, handle, 0) } while rc < 0 && zmq.errno_() == EINTR
      if rc < 0 { return frames.isEmpty ? nil : frames }
      let size = zmq.msg_size(&message)
      if size > 0, let data = zmq.msg_data(&message) {
        frames.append(Array(UnsafeRawBufferPointer(start: data, count: size)))
      } else {
        frames.append([])
      }
      if zmq.msg_more(&message) == 0 { return frames }
    }
  }

  /// Echoes every message back to its sender until the context ends (the Jupyter
  /// heartbeat: a ROUTER socket proxied to itself). Blocks the calling thread.
  func echoForever() {
    while true {
      _ = zmq.proxy(handle, handle, nil)
      // zmq_proxy returns only on error; EINTR (a signal) is not a reason to stop.
      if zmq.errno_() != EINTR { return }
    }
  }

  private static func lastFailure(_ zmq: rslab_zmq_api, _ what: String) -> Failure {
    Failure(description: what + ": " + (zmq.strerror(zmq.errno_()).map { String(cString: $0) } ?? "error \(zmq.errno_())"))
  }
}
