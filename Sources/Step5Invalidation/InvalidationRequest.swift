import Foundation
import HTTPCore

// ANCHOR: invalidation-request
/// A `DELETE /invalidate` call, checked: Imcaxy's three parameters, in the query as Imcaxy takes
/// them (`?projectName=web&latestCommitHash=3f2a9c1&urls=/1.jpg&urls=/2.jpg`) or as a JSON body
/// with the same names, which a long list of URLs needs (a request line is limited to 8 KiB),
/// and which may give an empty list (`"urls": []`) to record a commit without invalidating anything.
struct InvalidationRequest: Sendable, Equatable {
    /// What is wrong with a call; each case becomes a `400` (or `415`) naming the parameter.
    enum Problem: Error, Equatable, CustomStringConvertible {
        case missing(parameter: String)
        case invalid(parameter: String, reason: String)
        case notJSON(reason: String)
        case unsupportedMediaType(String)
        case bothQueryAndBody

        var description: String {
            switch self {
            case .missing(let parameter): "missing parameter \(parameter)"
            case .invalid(let parameter, let reason): "invalid parameter \(parameter): \(reason)"
            case .notJSON(let reason): "the body is not the JSON object expected: \(reason)"
            case .unsupportedMediaType(let type): "a body must be application/json, not \(type)"
            case .bothQueryAndBody: "give the parameters in the query or in a JSON body, not both"
            }
        }
    }

    /// The most URLs one call may name.
    static let maxURLs = 10_000

    let projectName: String
    let commitHash: String
    /// The URLs as given, and the source each names.
    let urls: [String]
    let sources: [SourcePath]

    /// The call `request` makes, checked.
    init(_ request: HTTPRequest) throws(Problem) {
        let query: QueryParameters
        do {
            query = try QueryParameters(target: request.target)
        } catch {
            throw .invalid(parameter: error.parameter, reason: "not valid percent-encoded UTF-8")
        }
        let projectName: String?, commitHash: String?, urls: [String]?
        if request.body.isEmpty {
            let given = query.values(of: "urls")
            (projectName, commitHash, urls) = (query["projectName"], query["latestCommitHash"], given.isEmpty ? nil : given)
        } else {
            guard query.isEmpty else { throw .bothQueryAndBody }
            let type = request.headerFields["Content-Type"] ?? "none"
            // RFC 9110 §8.3.1: the media type is case-insensitive, parameters (charset) follow a `;`.
            guard type.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() == "application/json" else {
                throw .unsupportedMediaType(type)
            }
            let body: Body
            do {
                body = try JSONDecoder().decode(Body.self, from: Data(request.body))
            } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
                throw .invalid(parameter: context.codingPath.first?.stringValue ?? "body", reason: "not of the right type")
            } catch {
                throw .notJSON(reason: "not a JSON object with projectName, latestCommitHash and urls")
            }
            (projectName, commitHash, urls) = (body.projectName, body.latestCommitHash, body.urls)
        }
        guard let projectName else { throw .missing(parameter: "projectName") }
        guard !projectName.isEmpty, projectName.utf8.count <= 200, !projectName.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
        else { throw .invalid(parameter: "projectName", reason: "1 to 200 bytes of text, no control characters") }
        guard let commitHash else { throw .missing(parameter: "latestCommitHash") }
        guard (7...64).contains(commitHash.utf8.count), commitHash.utf8.allSatisfy({ $0.hexDigitValue != nil }) else {
            throw .invalid(parameter: "latestCommitHash", reason: "\"\(commitHash.prefix(80))\" is not 7 to 64 hex digits")
        }
        // An empty list in a JSON body records the commit and invalidates nothing: a CI job's
        // first run, or a push that changed no image, moves the project's record forward.
        guard let urls else { throw .missing(parameter: "urls") }
        guard urls.count <= Self.maxURLs else { throw .invalid(parameter: "urls", reason: "more than \(Self.maxURLs) URLs") }
        var sources: [SourcePath] = []
        for url in urls {
            guard let source = SourcePath(url: url) else {
                throw .invalid(parameter: "urls", reason: "\"\(url.prefix(200))\" is not an http(s) URL or a path starting with /")
            }
            sources.append(source)
        }
        self.projectName = projectName
        self.commitHash = commitHash
        self.urls = urls
        self.sources = sources
    }

    /// The JSON body's shape: the query's names.
    private struct Body: Decodable {
        var projectName: String?
        var latestCommitHash: String?
        var urls: [String]?
    }
}
// ANCHOR_END: invalidation-request
