import BilinCore
import Testing

@Suite("OpenBLAS kernels")
struct BLASCoreTests {
    @Test("AVX-512 gets SkylakeX, AVX2 with FMA Haswell, anything older nothing")
    func coreTypeForFlags() {
        let avx512: Set<Substring> = ["sse3", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"]
        #expect(BLAS.coreType(forFlags: avx512) == "SkylakeX")
        #expect(BLAS.coreType(forFlags: ["sse3", "avx", "avx2", "fma", "avx512f"]) == "Haswell")
        #expect(BLAS.coreType(forFlags: ["sse3", "avx", "avx2"]) == nil)
        #expect(BLAS.coreType(forFlags: []) == nil)
    }

    @Test("the loaded kernels are named, and a better core is named only for the generic ones")
    func betterCoreOnlyForGeneric() {
        #expect(!BLAS.coreName.isEmpty)
        if BLAS.coreName.lowercased() != "prescott" { #expect(BLAS.betterCoreType() == nil) }
    }
}
