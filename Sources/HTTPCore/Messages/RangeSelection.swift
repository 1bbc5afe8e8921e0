/// Which bytes of a representation a response carries.
public enum RangeSelection: Sendable, Equatable {
    /// All of it: `200`.
    case whole
    /// These offsets: `206`.
    case part(ClosedRange<Int64>)
    /// None: `416`.
    case unsatisfiable
}
