#if canImport(Glibc)
import Glibc
#endif
import Runtime

/// One Jupyter message as it travels over ZeroMQ (messaging protocol 5.3, "the wire
/// protocol"): routing identities, the `<IDS|MSG>` delimiter, the HMAC signature, then
/// the header, parent header, metadata and content as JSON, then optional binary buffers.
struct KernelMessage {
  /// The protocol version rslab speaks.
  static let protocolVersion = "5.3"
  static let delimiter = Array("<IDS|MSG>".utf8)

  var identities: [[UInt8]]
  var header: JSONValue
  var parentHeader: JSONValue
  var metadata: JSONValue
  var content: JSONValue

  /// `header.msg_type`, or "" when missing.
  var type: String { header["msg_type"]?.stringValue ?? "" }

  /// Why incoming frames were not accepted as a message.
  struct Rejection: Error, CustomStringConvertible {
    let description: String
  }

  /// Parses and checks received frames; a wrong or missing signature is a rejection, so an
  /// unsigned message never reaches a handler.
  init(frames: [[UInt8]], signer: MessageSigner) throws(Rejection) {
    guard let split = frames.firstIndex(of: KernelMessage.delimiter) else {
      throw Rejection(description: "no <IDS|MSG> delimiter among \(frames.count) frames")
    }
    let parts = Array(frames[(split + 1)...])
    guard parts.count >= 5 else {
      throw Rejection(description: "\(parts.count) frames after the delimiter, expected at least 5 (signature, header, parent_header, metadata, content)")
    }
    guard signer.verify(parts[0], Array(parts[1...4])) else {
      throw Rejection(description: parts[0].isEmpty ? "missing signature" : "wrong signature")
    }
    func json(_ i: Int, _ name: String) throws(Rejection) -> JSONValue {
      let value: JSONValue
      do { value = try JSONValue.parse(parts[i][...]) } catch {
        throw Rejection(description: "bad JSON in the \(name): \(error.message)")
      }
      guard case .object = value else { throw Rejection(description: "the \(name) is not a JSON object") }
      return value
    }
    identities = Array(frames[..<split])
    header = try json(1, "header")
    parentHeader = try json(2, "parent header")
    metadata = try json(3, "metadata")
    content = try json(4, "content")
    guard let type = header["msg_type"]?.stringValue, !type.isEmpty else {
      throw Rejection(description: "the header has no msg_type")
    }
  }

  /// A new message of `type` answering (or caused by) `parent`, sent to `identities`.
  init(type: String, content: JSONValue, parent: KernelMessage?, session: String, identities: [[UInt8]]) {
    self.identities = identities
    header = .object([
      ("msg_id", .string(KernelMessage.newID())),
      ("session", .string(session)),
      ("username", .string("rslab")),
      ("date", .string(KernelMessage.timestamp())),
      ("msg_type", .string(type)),
      ("version", .string(KernelMessage.protocolVersion)),
    ])
    parentHeader = parent?.header ?? .object([])
    metadata = .object([])
    self.content = content
  }

  /// The frames to send, signed.
  func frames(signer: MessageSigner) -> [[UInt8]] {
    let parts = [header, parentHeader, metadata, content].map { Array($0.text.utf8) }
    return identities + [KernelMessage.delimiter, signer.signature(parts)] + parts
  }

  /// A random (version 4) UUID, as Jupyter uses for message and session ids.
  static func newID() -> String {
    var g = SystemRandomNumberGenerator()
    var bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &g) }
    bytes[6] = bytes[6] & 0x0F | 0x40
    bytes[8] = bytes[8] & 0x3F | 0x80
    let hex = bytes.map { b in String(b, radix: 16).count == 1 ? "0" + String(b, radix: 16) : String(b, radix: 16) }
    return [hex[0..<4], hex[4..<6], hex[6..<8], hex[8..<10], hex[10..<16]].map { $0.joined() }.joined(separator: "-")
  }

  /// The current UTC time in ISO 8601 with microseconds, e.g. `2026-12-07T04:05:06.123456Z`.
  static func timestamp() -> String {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    var t = ts.tv_sec
    var parts = tm()
    gmtime_r(&t, &parts)
    func pad(_ n: Int, _ width: Int) -> String {
      let s = String(n)
      return String(repeating: "0", count: max(0, width - s.count)) + s
    }
    return pad(Int(parts.tm_year) + 1900, 4) + "-" + pad(Int(parts.tm_mon) + 1, 2) + "-" + pad(Int(parts.tm_mday), 2)
      + "T" + pad(Int(parts.tm_hour), 2) + ":" + pad(Int(parts.tm_min), 2) + ":" + pad(Int(parts.tm_sec), 2)
      + "." + pad(ts.tv_nsec / 1000, 6) + "Z"
  }
}

extension JSONValue {
  /// The string, or nil for any other kind of value.
  var stringValue: String? {
    if case .string(let s) = self { return s }
    return nil
  }

  /// The number as an Int, or nil.
  var intValue: Int? {
    if case .number(let d) = self, d.isFinite, d == d.rounded(), abs(d) < 1e15 { return Int(d) }
    return nil
  }

  /// The boolean, or nil.
  var boolValue: Bool? {
    if case .bool(let b) = self { return b }
    return nil
  }
}
