import Foundation
internal import CBLAS

/// Single-precision matrix products through OpenBLAS. All matrices are row-major.
public enum BLAS {
    /// `c = alpha · op(a) · op(b) + beta · c`, where `op(a)` is `(m, k)`, `op(b)` is `(k, n)` and `c` is `(m, n)`.
    ///
    /// `lda`, `ldb`, `ldc` are the row strides of the matrices as stored (before `op`).
    @inlinable
    public static func gemm(
        transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        rawGemm(transposeA, transposeB, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    @usableFromInline
    static func rawGemm(
        _ transposeA: Bool, _ transposeB: Bool, _ m: Int32, _ n: Int32, _ k: Int32, _ alpha: Float,
        _ a: UnsafePointer<Float>, _ lda: Int32, _ b: UnsafePointer<Float>, _ ldb: Int32, _ beta: Float,
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int32
    ) {
        guard m > 0, n > 0 else { return }
        if k == 0 {
            // BLAS leaves c untouched when k == 0 only if beta == 1; make the empty sum explicit.
            for row in 0..<Int(m) { for column in 0..<Int(n) { c[row * Int(ldc) + column] *= beta } }
            return
        }
        if m == 1 && !transposeA {
            // One row (inference on a single example): a matrix-vector product. OpenBLAS's sgemm packs op(b) for
            // it and runs ~3× slower than sgemv at 784×1024.
            cblas_sgemv(
                CblasRowMajor, transposeB ? CblasNoTrans : CblasTrans, transposeB ? n : k, transposeB ? k : n,
                alpha, b, ldb, a, 1, beta, c, 1)
            return
        }
        var beta = beta
        if beta == 0 {
            // OpenBLAS 0.3.21 zeroes C for a beta-0 product in a pass of its own (`sgemm_beta`), slower than memset,
            // and skips that pass for beta 1: zeroing C here made training 15–25 % faster (Docs/benchmarks.md).
            // OpenBLAS itself zeroes and then accumulates, so the result is the same bit for bit.
            if ldc == n {
                memset(c, 0, Int(m) * Int(n) * MemoryLayout<Float>.stride)
            } else {
                for row in 0..<Int(m) { memset(c + row * Int(ldc), 0, Int(n) * MemoryLayout<Float>.stride) }
            }
            beta = 1
        }
        cblas_sgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    }

    /// Sets OpenBLAS to one thread, once, unless the user chose a count with `OPENBLAS_NUM_THREADS`.
    ///
    /// Measured on the project's 2-core machines (Docs/benchmarks.md): one thread is as fast as two for the training
    /// GEMMs when the machine is idle (60 against 35 GFLOP/s at 128×1024×784) and much faster when it is not (dense
    /// MLP training 3.7k against 2.4k samples/s; the truncated factorisation of a 4096×4096 layer 0.4 s against 4.2 s).
    public static func useDefaultThreadCount() {
        _ = defaultThreadCountApplied
    }

    private static let defaultThreadCountApplied: Bool = {
        if getenv("OPENBLAS_NUM_THREADS") == nil { openblas_set_num_threads(1) }
        return true
    }()

    /// The number of threads OpenBLAS uses for the calls that follow.
    public static var threadCount: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(newValue)) }
    }
}

extension Tensor {
    /// The matrix product `op(self) · op(other)` of two rank-2 tensors.
    public func matmul(_ other: Tensor, transposeSelf: Bool = false, transposeOther: Bool = false) -> Tensor {
        let (aRows, aColumns) = matrixSize
        let (bRows, bColumns) = other.matrixSize
        let (m, k) = transposeSelf ? (aColumns, aRows) : (aRows, aColumns)
        let (otherK, n) = transposeOther ? (bColumns, bRows) : (bRows, bColumns)
        precondition(k == otherK, "matmul: inner dimensions \(shape) and \(other.shape) disagree")
        // GEMM with beta 0 writes every element: no need to zero the result first.
        let product = [Float](unsafeUninitializedCapacity: m * n) { c, initialized in
            scalars.withUnsafeBufferPointer { a in
                other.scalars.withUnsafeBufferPointer { b in
                    if m * n > 0 {
                        if k == 0 { c.initialize(repeating: 0) }
                        BLAS.gemm(
                            transposeA: transposeSelf, transposeB: transposeOther, m: m, n: n, k: k,
                            a: a.baseAddress!, lda: aColumns, b: b.baseAddress!, ldb: bColumns, c: c.baseAddress!, ldc: n)
                    }
                }
            }
            initialized = m * n
        }
        let result = Tensor(shape: [m, n], scalars: product)
        return result
    }
}
