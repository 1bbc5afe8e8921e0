import HTTPCore

/// The parameters of a request target's query, `?projectName=web&urls=/1.jpg&urls=/2.jpg`, in
/// order, names and values percent-decoded (`+` stays `+`: a URL may hold one).
struct QueryParameters: Sendable, Equatable {
    /// Why a query could not be read.
    struct Malformed: Error, Equatable {
        /// The parameter whose text is not valid percent-encoded UTF-8.
        let parameter: String
    }

    private(set) var pairs: [(name: String, value: String)] = []

    /// The parameters of `target` (the part after its first `?`; none without one).
    init(target: String) throws(Malformed) {
        guard let question = target.firstIndex(of: "?") else { return }
        for pair in target[target.index(after: question)...].split(separator: "&") {
            let equals = pair.firstIndex(of: "=")
            let rawName = equals.map { pair[..<$0] } ?? pair[...]
            let rawValue = equals.map { pair[pair.index(after: $0)...] } ?? ""
            guard let name = Self.decoded(rawName) else { throw Malformed(parameter: String(rawName)) }
            guard let value = Self.decoded(rawValue) else { throw Malformed(parameter: name) }
            pairs.append((name, value))
        }
    }

    /// The first value of `name`.
    subscript(name: String) -> String? {
        pairs.first { $0.name == name }?.value
    }

    /// Every value of `name`, in order.
    func values(of name: String) -> [String] {
        pairs.filter { $0.name == name }.map(\.value)
    }

    var isEmpty: Bool { pairs.isEmpty }

    static func == (left: QueryParameters, right: QueryParameters) -> Bool {
        left.pairs.elementsEqual(right.pairs) { $0.name == $1.name && $0.value == $1.value }
    }

    private static func decoded(_ component: Substring) -> String? {
        PercentEncoding.decode(component.utf8).flatMap { String(validating: $0, as: UTF8.self) }
    }
}
