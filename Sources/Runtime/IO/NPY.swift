/// An array read from or written to a NumPy `.npy` file: dtype, shape and raw little-endian
/// bytes in C order.
public struct NPYArray: Equatable, Sendable {
  /// Element types rslab reads and writes (little-endian; `uint8` has no byte order).
  public enum DType: String, Sendable, CaseIterable {
    case float32 = "<f4", float64 = "<f8", uint8 = "|u1", int64 = "<i8", int32 = "<i4"
    /// Bytes per element.
    public var size: Int {
      switch self {
      case .float32, .int32: return 4
      case .float64, .int64: return 8
      case .uint8: return 1
      }
    }
  }

  public let dtype: DType
  public let shape: [Int]
  /// `count(shape) * dtype.size` bytes.
  public let data: [UInt8]

  /// Wraps raw bytes; throws when their length does not match the shape.
  public init(dtype: DType, shape: [Int], data: [UInt8]) throws {
    try Shape.validate(shape, op: "npy")
    guard data.count == Shape.count(shape) * dtype.size else {
      throw RuntimeError.invalidArgument(op: "npy", message: "\(data.count) bytes do not hold \(Shape.describe(shape)) of \(dtype.rawValue)")
    }
    self.dtype = dtype; self.shape = shape; self.data = data
  }

  /// A float32 array holding a tensor's values.
  public init(_ t: Tensor) {
    dtype = .float32
    shape = t.shape
    data = Array(UnsafeRawBufferPointer(start: t.storage.base, count: t.count * 4))
  }

  /// The elements converted to Float (int64 and float64 round to the nearest Float).
  public var floats: [Float] {
    let n = Shape.count(shape)
    return data.withUnsafeBytes { raw in
      switch dtype {
      case .float32: return (0..<n).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
      case .float64: return (0..<n).map { Float(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self)))) }
      case .uint8: return raw.map { Float($0) }
      case .int64: return (0..<n).map { Float(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self))) }
      case .int32: return (0..<n).map { Float(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self))) }
      }
    }
  }

  /// The elements as integers; throws for float arrays holding non-integers.
  public func integers() throws -> [Int] {
    let n = Shape.count(shape)
    return try data.withUnsafeBytes { raw in
      switch dtype {
      case .uint8: return raw.map { Int($0) }
      case .int64: return (0..<n).map { Int(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self))) }
      case .int32: return (0..<n).map { Int(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self))) }
      case .float32, .float64:
        return try floats.map { f in
          guard f == f.rounded(), abs(f) < 1e15 else {
            throw RuntimeError.invalidArgument(op: "npy", message: "\(f) is not an integer (array of \(dtype.rawValue))")
          }
          return Int(f)
        }
      }
    }
  }

  /// A float32 tensor of the same shape.
  public func tensor() -> Tensor { Tensor(shape: shape, values: floats) }
}

/// NumPy `.npy` files (format versions 1.0, 2.0 and 3.0 read; 1.0 written, or 2.0 when the
/// header needs it). Fortran order and big-endian data are rejected with a clear error.
///
///     try NPY.save(x, path: "x.npy")
///     let y = try NPY.load(path: "x.npy")      // Tensor, any supported dtype as Float32
public enum NPY {
  static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

  /// Reads a `.npy` file.
  public static func read(path: String) throws -> NPYArray {
    try decode(try FileBytes.read(path), path: path)
  }

  /// Reads a `.npy` file of any supported dtype as a Float32 tensor.
  public static func load(path: String) throws -> Tensor { try read(path: path).tensor() }

  /// Writes a tensor as a float32 `.npy` file (atomically).
  public static func save(_ t: Tensor, path: String) throws { try write(NPYArray(t), path: path) }

  /// Writes an array (atomically).
  public static func write(_ a: NPYArray, path: String) throws { try AtomicWrite.write(encode(a), to: path) }

  /// The file bytes for an array.
  public static func encode(_ a: NPYArray) -> [UInt8] {
    let shapeText = a.shape.isEmpty ? "()" : a.shape.count == 1 ? "(\(a.shape[0]),)" : "(" + a.shape.map(String.init).joined(separator: ", ") + ")"
    var header = Array("{'descr': '\(a.dtype.rawValue)', 'fortran_order': False, 'shape': \(shapeText), }".utf8)
    // Version 1.0 stores the header length in 2 bytes; the whole preamble pads to 64 bytes.
    let v1 = header.count + 1 + 10 <= 65535
    let preamble = v1 ? 10 : 12
    let total = (preamble + header.count + 1 + 63) / 64 * 64
    header += [UInt8](repeating: 0x20, count: total - preamble - header.count - 1) + [0x0A]
    var out = magic + [v1 ? 1 : 2, 0]
    if v1 { out.appendLE(UInt16(header.count)) } else { out.appendLE(UInt32(header.count)) }
    out += header
    out += a.data
    return out
  }

  /// Parses file bytes; errors name `path` and what was expected.
  public static func decode(_ bytes: [UInt8], path: String) throws -> NPYArray {
    func bad(_ m: String) -> RuntimeError { .io(path: path, message: "not a valid .npy file: \(m)") }
    guard bytes.count >= 10, Array(bytes[0..<6]) == magic else { throw bad("missing the \\x93NUMPY magic") }
    let major = bytes[6]
    let headerLen: Int, start: Int
    switch major {
    case 1: headerLen = Int(bytes.loadLE(UInt16.self, at: 8)); start = 10
    case 2, 3:
      guard bytes.count >= 12 else { throw bad("truncated preamble") }
      headerLen = Int(bytes.loadLE(UInt32.self, at: 8)); start = 12
    default: throw bad("format version \(major).\(bytes[7]) is not supported (1, 2 or 3 expected)")
    }
    guard start + headerLen <= bytes.count else { throw bad("header of \(headerLen) bytes runs past the end of the file") }
    let header = String(decoding: bytes[start..<start + headerLen], as: UTF8.self)
    guard let descr = field(header, "descr").map({ $0.trimmingQuotes }) else { throw bad("header has no 'descr'") }
    let normalized = descr == "<u1" ? "|u1" : descr
    guard let dtype = NPYArray.DType(rawValue: normalized) else {
      if descr.hasPrefix(">") { throw bad("big-endian data ('\(descr)') is not supported; save with little-endian byte order") }
      throw bad("dtype '\(descr)' is not supported (float32, float64, uint8, int32, int64)")
    }
    guard let fortran = field(header, "fortran_order") else { throw bad("header has no 'fortran_order'") }
    if fortran == "True" { throw bad("Fortran-ordered arrays are not supported; save a C-ordered array (np.ascontiguousarray)") }
    guard fortran == "False" else { throw bad("'fortran_order' must be True or False") }
    guard let shapeText = field(header, "shape") else { throw bad("header has no 'shape'") }
    let inner = shapeText.dropFirst().dropLast()
    guard shapeText.hasPrefix("("), shapeText.hasSuffix(")") else { throw bad("'shape' must be a tuple") }
    var shape: [Int] = []
    for part in inner.split(separator: ",") {
      let t = part.trimmingSpaces
      if t.isEmpty { continue }
      guard let d = Int(t), d >= 0 else { throw bad("shape entry '\(t)' is not a size") }
      shape.append(d)
    }
    do { try Shape.validate(shape, op: "npy") } catch { throw bad("shape \(Shape.describe(shape)) is too large") }
    let need = Shape.count(shape) * dtype.size, dataStart = start + headerLen
    guard bytes.count - dataStart == need else {
      throw bad("\(bytes.count - dataStart) data bytes, but shape \(Shape.describe(shape)) of \(dtype.rawValue) needs \(need)")
    }
    return try NPYArray(dtype: dtype, shape: shape, data: Array(bytes[dataStart...]))
  }

  /// The text of `'key': value` in a header dict (value up to the matching ')' or next ',').
  static func field(_ header: String, _ key: String) -> String? {
    guard let r = header.firstRange(of: "'\(key)'") else { return nil }
    var rest = header[r.upperBound...].drop { $0 == " " }
    guard rest.first == ":" else { return nil }
    rest = rest.dropFirst().drop { $0 == " " }
    if rest.first == "(" {
      guard let close = rest.firstIndex(of: ")") else { return nil }
      return String(rest[...close])
    }
    let end = rest.firstIndex { $0 == "," || $0 == "}" } ?? rest.endIndex
    return String(rest[..<end]).trimmingSpaces
  }
}

extension StringProtocol {
  var trimmingSpaces: String {
    String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
  }
  var trimmingQuotes: String {
    var s = trimmingSpaces
    if s.count >= 2, let f = s.first, let l = s.last, f == l, f == "'" || f == "\"" { s = String(s.dropFirst().dropLast()) }
    return s
  }
}
