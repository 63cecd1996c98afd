/// The name of a model head. The heads rslab's algorithms add are constants here, so a
/// misspelt head is a compile error, not a run-time lookup failure; a head added from a
/// script has a name only known at run time (`HeadName(rawValue:)`).
public struct HeadName: RawRepresentable, Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
  public let rawValue: String
  public init(rawValue: String) { self.rawValue = rawValue }
  public init(stringLiteral value: String) { rawValue = value }
  public var description: String { rawValue }

  /// The classifier every model has; `model(x)` and evaluation use it.
  public static let main: HeadName = "main"
  /// RSMatch's synthetic-vs-real detector (one logit).
  public static let detector: HeadName = "detector"
  /// RSMatch's dummy classifier for samples routed as synthetic.
  public static let dummy: HeadName = "dummy"
  /// OpenMatch's one-vs-all heads.
  public static let ova: HeadName = "ova"
  /// IOMatch's projection, multi-binary and (K+1)-way open-set heads.
  public static let proj: HeadName = "proj"
  public static let multiBinary: HeadName = "mb"
  public static let open: HeadName = "open"
}
