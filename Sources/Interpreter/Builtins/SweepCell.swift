import Runtime

/// The sweep cell a session runs (`rslab sweep cell`): the parameters `sweep_params`
/// returns and, once the script called `sweep_record`, its metrics and history.
/// Hosts create it, assign it to `Session.sweepCell`, run the script, then read `metrics`.
public final class SweepCell {
  /// The sweep's fixed parameters, the cell's axis values, `seed` and `out`, in that order.
  public let parameters: [(String, JSONValue)]
  /// The metrics record passed to `sweep_record` (a JSON object); nil until it is called.
  public internal(set) var metrics: JSONValue?
  /// The history passed to `sweep_record`: a run's columns (an object of number lists) or a
  /// list of records; nil when none was given.
  public internal(set) var history: JSONValue?
  /// Everything `sweep_params` returned (defaults overridden), for the result file.
  public internal(set) var resolvedParameters: JSONValue?

  public init(parameters: [(String, JSONValue)]) { self.parameters = parameters }
}
