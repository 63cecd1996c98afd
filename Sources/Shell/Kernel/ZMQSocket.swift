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

  /// The process's one ZeroMQ context (thread-safe by libzmq's contract).
  private nonisolated(unsafe) static let context: UnsafeMutableRawPointer? = zmq_ctx_new()

  private let handle: UnsafeMutableRawPointer
  /// The endpoint the socket is bound to.
  let endpoint: String

  /// Creates a socket of `kind` bound to `endpoint` (e.g. `tcp://127.0.0.1:5555`).
  init(_ kind: Kind, bind endpoint: String) throws(Failure) {
    guard let context = ZMQSocket.context else { throw ZMQSocket.lastFailure("cannot create a ZeroMQ context") }
    guard let handle = zmq_socket(context, kind.raw) else { throw ZMQSocket.lastFailure("cannot create a socket") }
    // Close without waiting for undelivered messages: a kernel that is told to stop stops.
    var linger: Int32 = 0
    zmq_setsockopt(handle, ZMQ_LINGER, &linger, MemoryLayout<Int32>.size)
    guard zmq_bind(handle, endpoint) == 0 else {
      let failure = ZMQSocket.lastFailure("cannot bind \(endpoint)")
      zmq_close(handle)
      throw failure
    }
    self.handle = handle
    self.endpoint = endpoint
  }

  deinit { zmq_close(handle) }

  /// Sends `frames` as one multipart message. Returns false when libzmq refused it.
  @discardableResult
  func send(_ frames: [[UInt8]]) -> Bool {
    for (i, frame) in frames.enumerated() {
      let flags = i + 1 < frames.count ? ZMQ_SNDMORE : 0
      var rc: Int32
      repeat {
        rc = frame.withUnsafeBytes { zmq_send(handle, $0.baseAddress, $0.count, flags) }
      } while rc < 0 && zmq_errno() == EINTR
      if rc < 0 { return false }
    }
    return true
  }

  /// Waits up to `timeoutMilliseconds` (-1: forever) for a message; returns its frames, or
  /// nil when none arrived (timeout or a signal interrupted the wait).
  func receive(timeoutMilliseconds: Int) -> [[UInt8]]? {
    var item = zmq_pollitem_t(socket: handle, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0)
    let ready = zmq_poll(&item, 1, timeoutMilliseconds)
    guard ready > 0, item.revents & Int16(ZMQ_POLLIN) != 0 else { return nil }
    var frames: [[UInt8]] = []
    while true {
      var message = zmq_msg_t()
      zmq_msg_init(&message)
      defer { zmq_msg_close(&message) }
      var rc: Int32
      repeat { rc = zmq_msg_recv(&message, handle, 0) } while rc < 0 && zmq_errno() == EINTR
      if rc < 0 { return frames.isEmpty ? nil : frames }
      let size = zmq_msg_size(&message)
      if size > 0, let data = zmq_msg_data(&message) {
        frames.append(Array(UnsafeRawBufferPointer(start: data, count: size)))
      } else {
        frames.append([])
      }
      if zmq_msg_more(&message) == 0 { return frames }
    }
  }

  /// Echoes every message back to its sender until the context ends (the Jupyter
  /// heartbeat: a ROUTER socket proxied to itself). Blocks the calling thread.
  func echoForever() {
    while true {
      _ = zmq_proxy(handle, handle, nil)
      // zmq_proxy returns only on error; EINTR (a signal) is not a reason to stop.
      if zmq_errno() != EINTR { return }
    }
  }

  private static func lastFailure(_ what: String) -> Failure {
    Failure(description: what + ": " + String(cString: zmq_strerror(zmq_errno())))
  }
}
