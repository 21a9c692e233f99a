import Foundation

/// Times inference of a network on real examples.
public enum InferenceTiming {
    /// The median time per example, in microseconds, of `repeats` forward passes over a batch of up to `batchSize`
    /// rows of `images`.
    public static func microsecondsPerSample(_ network: Network, images: Tensor, batchSize: Int = 128, repeats: Int = 15) -> Double {
        let (count, features) = images.matrixSize
        let rows = min(batchSize, count)
        guard rows > 0 else { return 0 }
        let batch = Tensor(shape: [rows, features], scalars: Array(images.scalars[0..<(rows * features)]))
        _ = network.predict(batch)  // warm-up
        var times: [Double] = []
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = network.predict(batch)
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1000 / Double(rows))
        }
        return times.sorted()[times.count / 2]
    }
}
