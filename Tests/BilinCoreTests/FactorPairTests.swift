import BilinCore
import Testing

@Suite("FactorPair")
struct FactorPairTests {
    @Test("most-square pairs", arguments: [
        (784, 28, 28), (1024, 32, 32), (96, 8, 12), (10, 2, 5), (256, 16, 16), (12, 3, 4), (20, 4, 5), (6, 2, 3), (1, 1, 1),
    ])
    func mostSquare(n: Int, rows: Int, columns: Int) {
        let pair = FactorPair(mostSquare: n)
        #expect(pair == FactorPair(rows: rows, columns: columns))
        #expect(pair.count == n)
        #expect(pair.description == "\(rows)×\(columns)")
    }

    @Test("most-square pair is the largest divisor ≤ √n, checked by brute force for 1…2000")
    func bruteForce() {
        for n in 1...2000 {
            var best = 1
            for d in 1...n where d * d <= n && n % d == 0 { best = d }
            let pair = FactorPair(mostSquare: n)
            if pair.rows != best || pair.columns != n / best {
                Issue.record("\(n): got \(pair), expected \(best)×\(n / best)")
            }
        }
    }

    @Test("primes give a degenerate (1, p) pair", arguments: [2, 3, 7, 13, 97, 251, 7919])
    func primes(p: Int) {
        let pair = FactorPair(mostSquare: p)
        #expect(pair == FactorPair(rows: 1, columns: p))
        #expect(pair.isDegenerate)
    }

    @Test("non-degenerate pairs") func notDegenerate() {
        #expect(!FactorPair(mostSquare: 784).isDegenerate)
        #expect(!FactorPair(mostSquare: 4).isDegenerate)
        #expect(FactorPair(rows: 5, columns: 1).isDegenerate)
    }
}
