/// A tool's command-line arguments, read option by option; whatever no one reads is an error.
///
/// Options are `--name value` or `--name=value`; flags are a bare `--name`. A value given as a
/// separate argument may not start with `-` (a number such as `-5` aside), so a forgotten value
/// (`--root --port 80`) is reported instead of being taken as the value; write `--name=-value`
/// for such a value. `--` ends
/// the options: everything after it is positional. Reading an option removes it, and `finish`
/// rejects anything left over, so a misspelt option never goes unnoticed:
///
/// ```swift
/// var arguments = try CommandLineArguments(CommandLine.arguments.dropFirst())
/// let host = try arguments.value(of: "--host") ?? "127.0.0.1"
/// let port = try arguments.value(of: "--port", as: .port) ?? 8000
/// let noStore = try arguments.flag("--no-store-set-cookie")
/// try arguments.finish()
/// ```
public struct CommandLineArguments {
    /// The arguments before `--` that no one has read yet, in order.
    private var unread: [String]
    /// The arguments after `--`, all positional.
    private var afterTerminator: [String]

    /// Takes the arguments without the program name.
    ///
    /// - Throws: `UsageError.helpRequested` if `-h` or `--help` is among the options, whatever
    ///   else is wrong with them.
    public init(_ arguments: some Sequence<String>) throws(UsageError) {
        let arguments = Array(arguments)
        let terminator = arguments.firstIndex(of: "--") ?? arguments.endIndex
        unread = Array(arguments[..<terminator])
        afterTerminator = Array(arguments[terminator...].dropFirst())
        if unread.contains(where: { $0 == "-h" || $0 == "--help" }) {
            throw .helpRequested
        }
    }

    /// The value of `option` (such as `--root`), or `nil` if it is not given.
    ///
    /// - Throws: `missingValue` if it has an empty value or none, `repeatedOption` if it is
    ///   given more than once.
    public mutating func value(of option: String) throws(UsageError) -> String? {
        let found = try values(of: option)
        guard found.count <= 1 else { throw .repeatedOption(option) }
        return found.first
    }

    /// Every value of `option`, which may be given more than once (such as `--purge-allow`), in
    /// the order given; empty if it is not given.
    ///
    /// - Throws: `missingValue` if one has an empty value or none.
    public mutating func values(of option: String) throws(UsageError) -> [String] {
        var values: [String] = []
        var index = unread.startIndex
        while index < unread.endIndex {
            let found: String
            if unread[index] == option {
                let next = index + 1
                guard next < unread.endIndex, !Self.isOption(unread[next]) else {
                    throw .missingValue(option: option)
                }
                found = unread[next]
                unread.removeSubrange(index...next)
            } else if let inline = Self.inlineValue(of: option, in: unread[index]) {
                found = inline
                unread.remove(at: index)
            } else {
                index += 1
                continue
            }
            guard !found.isEmpty else { throw .missingValue(option: option) }
            values.append(found)
        }
        return values
    }

    /// Every value of `option` read in `format`, in the order given.
    ///
    /// - Throws: As `values(of:)` does, and `invalidValue` for the first value `format` does not accept.
    public mutating func values<Value>(of option: String, as format: ValueFormat<Value>) throws(UsageError) -> [Value] {
        var parsed: [Value] = []
        for text in try values(of: option) {
            guard let value = format.parse(text) else {
                throw .invalidValue(option: option, value: text, expected: format.expected)
            }
            parsed.append(value)
        }
        return parsed
    }

    /// The value of `option` read in `format`, or `nil` if it is not given.
    ///
    /// - Throws: As `value(of:)` does, and `invalidValue` if `format` does not accept the value.
    public mutating func value<Value>(of option: String, as format: ValueFormat<Value>) throws(UsageError) -> Value? {
        guard let text = try value(of: option) else { return nil }
        guard let value = format.parse(text) else {
            throw .invalidValue(option: option, value: text, expected: format.expected)
        }
        return value
    }

    /// Whether the flag `name` (such as `--no-store-set-cookie`) is given.
    ///
    /// - Throws: `unexpectedValue` for `name=value`, `repeatedOption` if it is given more than once.
    public mutating func flag(_ name: String) throws(UsageError) -> Bool {
        var count = 0
        for argument in unread {
            if let value = Self.inlineValue(of: name, in: argument) {
                throw .unexpectedValue(option: name, value: value)
            }
            if argument == name { count += 1 }
        }
        guard count <= 1 else { throw .repeatedOption(name) }
        unread.removeAll { $0 == name }
        return count == 1
    }

    /// Ends reading: rejects any option no one read and returns the positional arguments.
    ///
    /// - Parameter allowingPositional: Whether the tool takes positional arguments; if not, the
    ///   first one is an error.
    @discardableResult
    public mutating func finish(allowingPositional: Bool = false) throws(UsageError) -> [String] {
        var positional: [String] = []
        for argument in unread {
            if Self.isOption(argument) {
                throw .unknownOption(String(argument.prefix { $0 != "=" }))
            }
            guard allowingPositional else { throw .unexpectedArgument(argument) }
            positional.append(argument)
        }
        if !allowingPositional, let first = afterTerminator.first {
            throw .unexpectedArgument(first)
        }
        positional += afterTerminator
        unread = []
        afterTerminator = []
        return positional
    }

    /// Whether `argument` looks like an option. A lone `-` conventionally names standard input,
    /// and `-5` is a (negative) number: no option starts with a digit, so it is a value, which
    /// its format then accepts or refuses by name.
    private static func isOption(_ argument: String) -> Bool {
        guard argument.hasPrefix("-"), argument != "-" else { return false }
        return !argument.dropFirst().first!.isNumber
    }

    /// The `value` in an `option=value` argument, or `nil` if `argument` is not one.
    private static func inlineValue(of option: String, in argument: String) -> String? {
        guard argument.hasPrefix(option + "=") else { return nil }
        return String(argument.dropFirst(option.count + 1))
    }
}

// MARK: - Value formats

extension CommandLineArguments {
    /// The format of an option's value: how to read it, and what to call it when it is wrong.
    public struct ValueFormat<Value> {
        /// What a valid value is, to follow "is not" in an error: `a port number (0-65535)`.
        public let expected: String
        /// The value that `text` stands for, or `nil` if it is not a valid one.
        public let parse: (String) -> Value?

        /// A format called `expected` in errors, read by `parse`.
        public init(expected: String, parse: @escaping (String) -> Value?) {
            self.expected = expected
            self.parse = parse
        }
    }
}

extension CommandLineArguments.ValueFormat where Value == Int {
    /// A TCP port, `0` to `65535`; `0` asks the system for a free port.
    public static var port: Self {
        Self(expected: "a port number (0-65535)") { text in
            decimal(text).flatMap { $0 <= 65_535 ? $0 : nil }
        }
    }

    /// A whole number of 1 or more, such as a count of uses.
    public static var positiveInteger: Self {
        Self(expected: "a whole number of 1 or more") { text in
            decimal(text).flatMap { $0 >= 1 ? $0 : nil }
        }
    }

    /// A size in bytes in nginx notation: `100`, `512k`, `64m`, `1g`.
    public static var nginxSize: Self {
        Self(expected: "a size such as 100, 512k, 64m or 1g") { Int(nginxSize: $0) }
    }
}

extension CommandLineArguments.ValueFormat where Value == Duration {
    /// A whole number of milliseconds, `0` or more, such as an artificial delay.
    public static var milliseconds: Self {
        Self(expected: "a whole number of milliseconds") { text in
            decimal(text).map { .milliseconds($0) }
        }
    }

    /// A time in nginx notation: `500ms`, `90s`, `10m`, `1h30m`, `7d`; a bare number is seconds.
    public static var nginxTime: Self {
        Self(expected: "a time such as 500ms, 90s, 10m, 1h30m or 7d") { Duration(nginxTime: $0) }
    }
}

/// The value of `text` if it is one or more ASCII digits (no sign, no spaces) that fit in an `Int`.
private func decimal(_ text: String) -> Int? {
    guard !text.isEmpty, text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else {
        return nil
    }
    return Int(text)
}
