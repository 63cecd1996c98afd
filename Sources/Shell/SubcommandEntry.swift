import ArgumentParser

extension ParsableCommand {
  /// Parses `arguments` (after the subcommand's word: `notebook`, `kernel`, `sweep`) and runs;
  /// a usage error exits 2, like the root command (ArgumentParser's own status is 64).
  static func runRoutedSubcommand(_ arguments: [String]) {
    do {
      var command = try parseAsRoot(arguments)
      try command.run()
    } catch {
      if exitCode(for: error) == .validationFailure {
        Console.err(fullMessage(for: error))
        Console.flush()
        exit(withError: ExitCode(2))
      }
      exit(withError: error)
    }
  }
}
