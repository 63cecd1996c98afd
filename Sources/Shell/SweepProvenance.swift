#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Runtime

/// Wall-clock and CPU time for result files.
enum Clock {
  /// Now in UTC, e.g. `2026-12-07T04:12:30Z`.
  static func iso8601Now() -> String {
    var t = time(nil), tm = tm()
    gmtime_r(&t, &tm)
    func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
    return "\(tm.tm_year + 1900)-\(two(tm.tm_mon + 1))-\(two(tm.tm_mday))T\(two(tm.tm_hour)):\(two(tm.tm_min)):\(two(tm.tm_sec))Z"
  }

  /// User + system CPU seconds of this process so far (every thread).
  static func cpuSeconds() -> Double {
    var u = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &u)
    return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6
  }
}

/// Where a result came from: git revision of the script's checkout, the machine.
enum Provenance {
  static func gitRevision(near path: String) -> String? {
    guard let r = Subprocess.capture(["git", "-C", PathName.directory(of: path), "rev-parse", "HEAD"]), r.status == 0 else { return nil }
    let rev = r.stdout.split(separator: "\n").first.map(String.init) ?? ""
    guard !rev.isEmpty else { return nil }
    let dirty = Subprocess.capture(["git", "-C", PathName.directory(of: path), "status", "--porcelain", "--untracked-files=no"])
    return rev + ((dirty?.stdout.isEmpty ?? true) ? "" : "+dirty")
  }

  static func hostName() -> String {
    var buf = [CChar](repeating: 0, count: 256)
    gethostname(&buf, buf.count - 1)
    return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  static func machine() -> JSONValue {
    var u = utsname()
    uname(&u)
    func field<T>(_ t: T) -> String { withUnsafeBytes(of: t) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) } }
    let cpu = (try? FileBytes.readText("/proc/cpuinfo"))?.split(separator: "\n")
      .first { $0.hasPrefix("model name") }.flatMap { $0.split(separator: ":", maxSplits: 1).last }
      .map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
    return .object([
      ("host", .string(hostName())), ("os", .string("\(field(u.sysname)) \(field(u.release))")),
      ("arch", .string(field(u.machine))), ("cpu", .string(cpu)),
      ("cores", .number(Double(sysconf(Int32(_SC_NPROCESSORS_ONLN))))),
    ])
  }
}
