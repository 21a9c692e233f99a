/// A factorisation `n = rows · columns` used to read a vector of length `n` as a `rows × columns` matrix.
public struct FactorPair: Sendable, Equatable, Codable, CustomStringConvertible {
    public var rows: Int
    public var columns: Int

    public init(rows: Int, columns: Int) {
        self.rows = rows
        self.columns = columns
    }

    /// The most square pair: the largest divisor `rows ≤ √n`, `columns = n / rows`. A prime gives `(1, n)`.
    public init(mostSquare n: Int) {
        precondition(n > 0, "cannot factor \(n)")
        var rows = Int(Double(n).squareRoot())
        while rows > 1 && n % rows != 0 { rows -= 1 }
        self.init(rows: max(rows, 1), columns: n / max(rows, 1))
    }

    public var count: Int { rows * columns }
    /// A pair with a side of 1 makes the bilinear form a plain (and no smaller) linear map.
    public var isDegenerate: Bool { rows == 1 || columns == 1 }
    public var description: String { "\(rows)×\(columns)" }
}
