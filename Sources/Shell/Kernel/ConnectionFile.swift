import Runtime

/// The JSON file a Jupyter client writes before starting a kernel: where to bind the five
/// sockets and the key that signs messages.
struct ConnectionFile {
  var transport: String
  var ip: String
  var shellPort: Int
  var iopubPort: Int
  var stdinPort: Int
  var controlPort: Int
  var heartbeatPort: Int
  var key: String
  var signatureScheme: String

  /// Reads and checks `path`; the error names the file and what is wrong.
  init(path: String) throws(RuntimeError) {
    let bytes: [UInt8]
    do { bytes = try FileBytes.read(path) } catch {
      throw (error as? RuntimeError) ?? RuntimeError.io(path: path, message: "\(error)")
    }
    let json: JSONValue
    do { json = try JSONValue.parse(bytes[...]) } catch {
      throw RuntimeError.io(path: path, message: "not a connection file: \(error.message)")
    }
    func port(_ name: String) throws(RuntimeError) -> Int {
      guard let p = json[name]?.intValue, (0...65535).contains(p) else {
        throw RuntimeError.io(path: path, message: "not a connection file: '\(name)' is missing or not a port number")
      }
      return p
    }
    transport = json["transport"]?.stringValue ?? "tcp"
    ip = json["ip"]?.stringValue ?? "127.0.0.1"
    shellPort = try port("shell_port")
    iopubPort = try port("iopub_port")
    stdinPort = try port("stdin_port")
    controlPort = try port("control_port")
    heartbeatPort = try port("hb_port")
    key = json["key"]?.stringValue ?? ""
    signatureScheme = json["signature_scheme"]?.stringValue ?? "hmac-sha256"
    guard transport == "tcp" || transport == "ipc" else {
      throw RuntimeError.io(path: path, message: "transport '\(transport)' is not supported (tcp or ipc)")
    }
    guard signatureScheme == "hmac-sha256" || key.isEmpty else {
      throw RuntimeError.io(path: path, message: "signature scheme '\(signatureScheme)' is not supported (hmac-sha256)")
    }
  }

  /// The ZeroMQ endpoint for `port`: `tcp://IP:PORT`, or `ipc://IP-PORT` as jupyter_client
  /// names IPC sockets.
  func endpoint(_ port: Int) -> String {
    transport == "ipc" ? "ipc://\(ip)-\(port)" : "tcp://\(ip):\(port)"
  }
}
