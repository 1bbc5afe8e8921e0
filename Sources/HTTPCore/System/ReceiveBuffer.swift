/// Bytes received from a socket and not yet consumed, in one array reused for the whole
/// connection: the server reads requests through one, the client reads responses through one.
///
/// Unconsumed bytes live in `storage[start..<end]`. Reading first makes room: it starts over at
/// index 0 once everything was consumed, moves the rest to the front when the end is full, and
/// grows the array only when unconsumed bytes fill it (a large head; the parser's limits bound it).
struct ReceiveBuffer: Sendable {
    private var storage: [UInt8]
    private var start = 0
    private var end = 0

    /// An empty buffer that reads up to `capacity` bytes at a time until it has to grow.
    init(capacity: Int) {
        storage = [UInt8](repeating: 0, count: capacity)
    }

    /// The bytes received and not consumed yet.
    var unconsumed: ArraySlice<UInt8> { storage[start..<end] }

    /// How many bytes are unconsumed.
    var count: Int { end - start }

    var isEmpty: Bool { start == end }

    /// Marks the first `count` unconsumed bytes as used.
    mutating func consume(_ count: Int) {
        precondition(count <= end - start, "cannot consume more than was received")
        start += count
    }

    /// Forgets every unconsumed byte.
    mutating func removeAll() {
        start = 0
        end = 0
    }

    /// Reads what `socket` has (waiting no later than `deadline`) after the unconsumed bytes.
    ///
    /// - Returns: the number of bytes read, 0 when the peer has closed its side.
    /// - Throws: the `SocketError` of the read. (Untyped: typed throws through
    ///   `withUnsafeMutableBytes` crashes the Swift 6.3 compiler.)
    mutating func read(from socket: Socket, deadline: ContinuousClock.Instant) throws -> Int {
        if start == end {
            removeAll()
        } else if end == storage.count {
            if start > 0 {
                storage.replaceSubrange(0..<(end - start), with: storage[start..<end])
                end -= start
                start = 0
            } else {
                storage.append(contentsOf: repeatElement(0, count: storage.count))
            }
        }
        let free = end
        let count = try storage.withUnsafeMutableBytes { bytes in
            try socket.read(into: UnsafeMutableRawBufferPointer(rebasing: bytes[free...]), deadline: deadline)
        }
        end += count
        return count
    }
}
