extension Array where Element == Int {
    /// The product of the elements (1 for none), or nil if one is negative or the product overflows `Int`: how a
    /// shape declared by a file is sized, before anything is allocated or computed from it.
    public var checkedProduct: Int? {
        var product = 1
        for dimension in self {
            guard dimension >= 0 else { return nil }
            let (next, overflow) = product.multipliedReportingOverflow(by: dimension)
            guard !overflow else { return nil }
            product = next
        }
        return product
    }
}
