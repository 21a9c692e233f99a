import BilinCore
import Testing

/// The worst element of a comparison `|actual − expected| ≤ atol + rtol·|expected|`.
public struct CloseComparison: Sendable, CustomStringConvertible {
    /// Whether the shapes agree, every value is finite and within tolerance.
    public var passed: Bool
    public var shapeActual: [Int]
    public var shapeExpected: [Int]
    /// Flat and multi-dimensional index of the element that exceeds its tolerance the most (or of the largest
    /// difference when everything passes); `nil` for empty tensors or a shape mismatch.
    public var worstFlatIndex: Int?
    public var worstIndex: [Int]?
    public var actualValue: Double
    public var expectedValue: Double
    public var difference: Double
    public var allowed: Double
    public var failures: Int

    public var description: String {
        guard shapeActual == shapeExpected else { return "shape \(shapeActual) differs from expected \(shapeExpected)" }
        guard let worstIndex else { return "empty tensors" }
        let where_ = "index \(worstIndex) (flat \(worstFlatIndex!))"
        return "\(failures) element(s) out of tolerance; worst at \(where_): actual \(actualValue), expected \(expectedValue), "
            + "|diff| \(difference) > allowed \(allowed)"
    }
}

/// Converts a flat row-major index into a multi-index of `shape`.
public func multiIndex(_ flat: Int, shape: [Int]) -> [Int] {
    var rest = flat
    var index = [Int](repeating: 0, count: shape.count)
    for axis in shape.indices.reversed() where shape[axis] > 0 {
        index[axis] = rest % shape[axis]
        rest /= shape[axis]
    }
    return index
}

/// Compares two row-major value arrays of the given shapes element by element, in Double.
public func compareClose(
    _ actual: [Double], shape actualShape: [Int], _ expected: [Double], shape expectedShape: [Int], atol: Double, rtol: Double
) -> CloseComparison {
    var result = CloseComparison(
        passed: false, shapeActual: actualShape, shapeExpected: expectedShape, worstFlatIndex: nil, worstIndex: nil,
        actualValue: .nan, expectedValue: .nan, difference: .nan, allowed: .nan, failures: 0)
    guard actualShape == expectedShape, actual.count == expected.count else { return result }
    var worstRatio = -Double.infinity
    for index in actual.indices {
        let (a, e) = (actual[index], expected[index])
        let difference = abs(a - e)
        let allowed = atol + rtol * abs(e)
        let bad = !a.isFinite || !e.isFinite || difference > allowed
        if bad { result.failures += 1 }
        let ratio = bad && !(difference.isFinite) ? Double.infinity : difference / max(allowed, .leastNormalMagnitude)
        if ratio > worstRatio || result.worstFlatIndex == nil {
            worstRatio = ratio
            result.worstFlatIndex = index
            result.actualValue = a
            result.expectedValue = e
            result.difference = difference
            result.allowed = allowed
        }
    }
    result.worstIndex = result.worstFlatIndex.map { multiIndex($0, shape: actualShape) }
    result.passed = result.failures == 0
    return result
}

/// Compares two tensors element by element (in Double).
public func compareClose(_ actual: Tensor, _ expected: Tensor, atol: Float, rtol: Float) -> CloseComparison {
    compareClose(
        actual.scalars.map(Double.init), shape: actual.shape, expected.scalars.map(Double.init), shape: expected.shape,
        atol: Double(atol), rtol: Double(rtol))
}

/// Records a test issue, naming the worst index, unless `actual` and `expected` agree elementwise within
/// `atol + rtol·|expected|` and have the same shape.
@discardableResult
public func assertClose(
    _ actual: Tensor, _ expected: Tensor, atol: Float = 1e-5, rtol: Float = 1e-5, _ message: String = "",
    sourceLocation: SourceLocation = #_sourceLocation
) -> Bool {
    let comparison = compareClose(actual, expected, atol: atol, rtol: rtol)
    if !comparison.passed {
        Issue.record("\(message.isEmpty ? "" : message + ": ")\(comparison)", sourceLocation: sourceLocation)
    }
    return comparison.passed
}

/// `assertClose` for Double arrays of one shape (default: flat).
@discardableResult
public func assertClose(
    _ actual: [Double], _ expected: [Double], shape: [Int]? = nil, atol: Double = 1e-9, rtol: Double = 1e-9,
    _ message: String = "", sourceLocation: SourceLocation = #_sourceLocation
) -> Bool {
    let comparison = compareClose(
        actual, shape: shape ?? [actual.count], expected, shape: shape ?? [expected.count], atol: atol, rtol: rtol)
    if !comparison.passed {
        Issue.record("\(message.isEmpty ? "" : message + ": ")\(comparison)", sourceLocation: sourceLocation)
    }
    return comparison.passed
}
