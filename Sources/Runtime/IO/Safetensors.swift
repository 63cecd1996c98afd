/// Hugging Face safetensors files: an 8-byte little-endian header length, a JSON header
/// `{"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ...,
/// "__metadata__": {"key": "value"}}` padded with spaces to 8 bytes, then the raw
/// little-endian data. rslab writes F32; it reads F32, F64, F16, BF16, I64, I32 and U8
/// (converted to Float32).
///
///     try Safetensors.write([("w", w)], metadata: ["kind": "mlp"], path: "m.safetensors")
///     let file = try Safetensors.read(path: "m.safetensors")
public enum Safetensors {
  /// The contents of a file: tensors in data order, and the string metadata.
  public struct Contents {
    public var tensors: [(name: String, tensor: Tensor)]
    public var metadata: [String: String]
    /// The tensor called `name`, if present.
    public subscript(name: String) -> Tensor? { tensors.first { $0.name == name }?.tensor }
  }

  /// Writes named tensors as F32 (atomically), in the given order.
  public static func write(_ tensors: [(String, Tensor)], metadata: [String: String] = [:], path: String) throws {
    var seen = Set<String>()
    var entries: [(String, JSONValue)] = []
    if !metadata.isEmpty {
      entries.append(("__metadata__", .object(metadata.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })))
    }
    var offset = 0
    for (name, t) in tensors {
      guard name != "__metadata__", seen.insert(name).inserted else {
        throw RuntimeError.invalidArgument(op: "safetensors", message: "tensor name '\(name)' is reserved or repeated")
      }
      let bytes = t.count * 4
      entries.append((name, .object([
        ("dtype", .string("F32")),
        ("shape", .array(t.shape.map { .number(Double($0)) })),
        ("data_offsets", .array([.number(Double(offset)), .number(Double(offset + bytes))])),
      ])))
      offset += bytes
    }
    var header = Array(JSONValue.object(entries).text.utf8)
    header += [UInt8](repeating: 0x20, count: (8 - header.count % 8) % 8)
    try AtomicWrite.writeStreaming(to: path) { fd in
      var preamble: [UInt8] = []
      preamble.appendLE(UInt64(header.count))
      try writeAll(fd, preamble + header, path: path)
      for (_, t) in tensors {
        try writeAll(fd, UnsafeRawBufferPointer(start: t.storage.base, count: t.count * 4), path: path)
      }
    }
  }

  /// Reads a file; errors name the path and what was expected.
  public static func read(path: String) throws -> Contents {
    try decode(try FileBytes.read(path), path: path)
  }

  /// Parses file bytes.
  public static func decode(_ bytes: [UInt8], path: String) throws -> Contents {
    func bad(_ m: String) -> RuntimeError { .io(path: path, message: "not a valid safetensors file: \(m)") }
    guard bytes.count >= 8 else { throw bad("shorter than the 8-byte header length") }
    let n = bytes.loadLE(UInt64.self, at: 0)
    guard n <= 100_000_000, 8 + Int(n) <= bytes.count else { throw bad("header length \(n) exceeds the file size \(bytes.count)") }
    let headerBytes = bytes[8..<8 + Int(n)]
    guard headerBytes.first == UInt8(ascii: "{") else { throw bad("the header does not start with '{'") }
    let json: JSONValue
    do { json = try JSONValue.parse(headerBytes) } catch { throw bad("header JSON: \(error.message)") }
    guard case let .object(members) = json else { throw bad("the header is not a JSON object") }
    let dataStart = 8 + Int(n), dataCount = bytes.count - dataStart
    var out = Contents(tensors: [], metadata: [:])
    var spans: [(Int, Int, String, Tensor)] = []
    for (name, entry) in members {
      if name == "__metadata__" {
        guard case let .object(kv) = entry else { throw bad("__metadata__ is not an object") }
        for (k, v) in kv {
          guard case let .string(s) = v else { throw bad("__metadata__ value of '\(k)' is not a string") }
          out.metadata[k] = s
        }
        continue
      }
      guard case let .string(dtype)? = entry["dtype"] else { throw bad("tensor '\(name)' has no dtype") }
      guard case let .array(dims)? = entry["shape"] else { throw bad("tensor '\(name)' has no shape") }
      guard case let .array(offs)? = entry["data_offsets"], offs.count == 2,
            case let .number(b) = offs[0], case let .number(e) = offs[1] else {
        throw bad("tensor '\(name)' has no [begin, end] data_offsets")
      }
      var shape: [Int] = []
      for d in dims {
        guard case let .number(v) = d, v >= 0, v == v.rounded(), v < 1e12 else { throw bad("tensor '\(name)' has a bad shape entry") }
        shape.append(Int(v))
      }
      guard b >= 0, e >= b, e <= Double(dataCount), b == b.rounded(), e == e.rounded() else {
        throw bad("tensor '\(name)' data_offsets [\(Int(b)), \(Int(e))] lie outside the \(dataCount) data bytes")
      }
      guard let size = elementSize(dtype) else {
        throw bad("tensor '\(name)' has unsupported dtype \(dtype) (F32, F64, F16, BF16, I64, I32, U8)")
      }
      do { try Shape.validate(shape, op: "safetensors") } catch { throw bad("tensor '\(name)' shape \(Shape.describe(shape)) is too large") }
      let begin = Int(b), end = Int(e)
      guard end - begin == Shape.count(shape) * size else {
        throw bad("tensor '\(name)' has \(end - begin) bytes but \(dtype) \(Shape.describe(shape)) needs \(Shape.count(shape) * size)")
      }
      let t = Tensor(zeros: shape, zeroed: false)
      convert(bytes, from: dataStart + begin, dtype: dtype, count: t.count, into: t.storage.base)
      spans.append((begin, end, name, t))
    }
    // The format requires the tensors to tile the data exactly (no gaps, no overlap).
    spans.sort { ($0.0, $0.1) < ($1.0, $1.1) }
    var at = 0
    for s in spans {
      guard s.0 == at else { throw bad("tensor '\(s.2)' starts at byte \(s.0), expected \(at) (gap or overlap)") }
      at = s.1
    }
    guard at == dataCount else { throw bad("\(dataCount - at) data bytes are not covered by any tensor") }
    out.tensors = spans.map { ($0.2, $0.3) }
    return out
  }

  static func elementSize(_ dtype: String) -> Int? {
    switch dtype {
    case "F32", "I32": return 4
    case "F64", "I64": return 8
    case "F16", "BF16": return 2
    case "U8": return 1
    default: return nil
    }
  }

  static func convert(_ bytes: [UInt8], from start: Int, dtype: String, count: Int, into dst: UnsafeMutablePointer<Float>) {
    bytes.withUnsafeBytes { raw in
      let src = UnsafeRawBufferPointer(rebasing: raw[start...])
      for i in 0..<count {
        switch dtype {
        case "F32": dst[i] = Float(bitPattern: UInt32(littleEndian: src.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))
        case "F64": dst[i] = Float(Double(bitPattern: UInt64(littleEndian: src.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self))))
        case "BF16": dst[i] = Float(bitPattern: UInt32(UInt16(littleEndian: src.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))) << 16)
        case "F16": dst[i] = halfToFloat(UInt16(littleEndian: src.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)))
        case "I64": dst[i] = Float(Int64(littleEndian: src.loadUnaligned(fromByteOffset: i * 8, as: Int64.self)))
        case "I32": dst[i] = Float(Int32(littleEndian: src.loadUnaligned(fromByteOffset: i * 4, as: Int32.self)))
        default: dst[i] = Float(src[i])
        }
      }
    }
  }

  /// IEEE binary16 to Float (exact), without relying on the platform's Float16 support.
  static func halfToFloat(_ h: UInt16) -> Float {
    let sign: Float = h & 0x8000 != 0 ? -1 : 1
    let e = Int((h >> 10) & 0x1F), m = Float(h & 0x3FF)
    if e == 0 { return sign * m * 0x1p-24 }
    if e == 31 { return m == 0 ? sign * .infinity : .nan }
    return sign * (1 + m / 1024) * Float(sign: .plus, exponent: e - 15, significand: 1)
  }

  static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws {
    try bytes.withUnsafeBytes { try writeAll(fd, $0, path: path) }
  }

  static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws {
    var off = 0
    while off < bytes.count {
      guard let base = bytes.baseAddress else { return }
      let n = Glibc.write(fd, base + off, bytes.count - off)
      if n < 0 {
        if errno == EINTR { continue }
        throw RuntimeError.io(path: path, message: "write failed (errno \(errno))")
      }
      off += n
    }
  }
}

#if canImport(Glibc)
import Glibc
#endif
