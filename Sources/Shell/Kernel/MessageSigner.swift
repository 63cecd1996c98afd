import CCrypto

/// HMAC-SHA256 signatures of Jupyter messages (the `hmac-sha256` signature scheme), through
/// OpenSSL's libcrypto.
///
/// The signature is the lowercase hex HMAC of the header, parent header, metadata and content
/// frames, in that order, keyed with the connection file's `key`. An empty key means
/// signing is disabled, as the messaging specification allows.
struct MessageSigner: Sendable {
  let key: [UInt8]

  /// Whether messages are signed at all.
  var enabled: Bool { !key.isEmpty }

  /// The hex signature of `parts` (empty when signing is disabled).
  func signature(_ parts: [[UInt8]]) -> [UInt8] {
    guard enabled else { return [] }
    let digest = mac(parts)
    let hex = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    out.reserveCapacity(digest.count * 2)
    for b in digest {
      out.append(hex[Int(b >> 4)])
      out.append(hex[Int(b & 15)])
    }
    return out
  }

  /// Whether `signature` is right for `parts`, compared in constant time so the time a
  /// check takes says nothing about how much of a forged signature was right.
  func verify(_ signature: [UInt8], _ parts: [[UInt8]]) -> Bool {
    guard enabled else { return true }
    let expected = self.signature(parts)
    guard !expected.isEmpty, signature.count == expected.count else { return false }
    return signature.withUnsafeBytes { a in
      expected.withUnsafeBytes { b in CRYPTO_memcmp(a.baseAddress, b.baseAddress, a.count) == 0 }
    }
  }

  private func mac(_ parts: [[UInt8]]) -> [UInt8] {
    let data = parts.flatMap { $0 }
    var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
    var length: UInt32 = 0
    let ok = key.withUnsafeBytes { k in
      data.withUnsafeBytes { d in
        digest.withUnsafeMutableBufferPointer { out in
          HMAC(EVP_sha256(), k.baseAddress, Int32(k.count), d.baseAddress?.assumingMemoryBound(to: UInt8.self), d.count,
               out.baseAddress, &length) != nil
        }
      }
    }
    // HMAC fails only when libcrypto cannot allocate; no valid signature can then match.
    return ok ? Array(digest.prefix(Int(length))) : []
  }
}
