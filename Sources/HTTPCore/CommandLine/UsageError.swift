/// Why a tool's command-line arguments were not accepted; each case is one message to the user.
///
/// `helpRequested` is not a mistake but ends parsing the same way: `CommandLineTool` prints the
/// usage for it and exits with status 0, and prints every other case with the usage and exits
/// with status 2.
public enum UsageError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `-h` or `--help` appeared among the options.
    case helpRequested
    /// An option that the tool does not read, such as a misspelt `--prot`.
    case unknownOption(String)
    /// An option given with no value, `--port=` with an empty one, or followed by another option.
    case missingValue(option: String)
    /// A value that the option's format does not accept; `expected` says what it accepts.
    case invalidValue(option: String, value: String, expected: String)
    /// A value given to a flag that takes none, such as `--no-store-set-cookie=yes`.
    case unexpectedValue(option: String, value: String)
    /// An option given more than once.
    case repeatedOption(String)
    /// A positional argument where the tool takes none.
    case unexpectedArgument(String)
    /// Two options that contradict each other, given together.
    case conflictingOptions(String, String)
    /// A positional argument the tool needs is missing, such as `PATH`.
    case missingArgument(String)

    /// One line that names the option or argument at fault.
    public var description: String {
        switch self {
        case .helpRequested: "help requested"
        case .unknownOption(let option): "unknown option \(option)"
        case .missingValue(let option): "\(option) needs a value"
        case .invalidValue(let option, let value, let expected): "\(option): \"\(value)\" is not \(expected)"
        case .unexpectedValue(let option, let value): "\(option) takes no value, but was given \"\(value)\""
        case .repeatedOption(let option): "\(option) is given more than once"
        case .unexpectedArgument(let argument): "unexpected argument \"\(argument)\""
        case .conflictingOptions(let first, let second): "\(first) and \(second) cannot be given together"
        case .missingArgument(let name): "missing \(name)"
        }
    }

    /// The process exit status for this outcome: 0 for help, 2 (a usage error) for the rest.
    public var exitStatus: Int32 {
        self == .helpRequested ? 0 : 2
    }
}
