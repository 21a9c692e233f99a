import Foundation
internal import CBLAS

extension BLAS {
    /// The kernel family OpenBLAS chose for this CPU when it loaded (`openblas_get_corename`), e.g. "Haswell".
    public static var coreName: String {
        String(cString: openblas_get_corename())
    }

    /// The `OPENBLAS_CORETYPE` to start the process with when OpenBLAS fell back to its generic SSE3 kernels
    /// ("Prescott") on a CPU with AVX2 or AVX-512, else `nil`.
    ///
    /// Debian's OpenBLAS 0.3.21 does not recognise some newer or virtualised CPUs and falls back to Prescott; on the
    /// project's 2-core Xeon (AVX-512) that runs sgemm at 30 GFLOP/s against 215 with the SkylakeX kernels
    /// (Docs/benchmarks.md). The choice is made once, when the library loads, so only a new process can change it:
    /// this only names the better core, and an executable may restart itself with it (`OPENBLAS_CORETYPE` set by the
    /// user is never overridden).
    public static func betterCoreType() -> String? {
        guard getenv("OPENBLAS_CORETYPE") == nil, coreName.lowercased() == "prescott" else { return nil }
        return coreType(forFlags: processorFlags())
    }

    /// OpenBLAS's kernels for a CPU with these `/proc/cpuinfo` flags: SkylakeX for AVX-512, Haswell for AVX2 with FMA.
    public static func coreType(forFlags flags: Set<Substring>) -> String? {
        if flags.isSuperset(of: ["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"]) { return "SkylakeX" }
        if flags.isSuperset(of: ["avx2", "fma"]) { return "Haswell" }
        return nil
    }

    /// Restarts this process (same executable, same arguments) with `OPENBLAS_CORETYPE` set to `betterCoreType()`,
    /// when there is one. An executable's explicit choice, made first in `main`: the library never calls it.
    public static func restartWithBetterKernelsIfNeeded() {
        guard let core = betterCoreType() else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // execv returns only on failure: carry on with the generic kernels.
    }

    /// The `flags` line of `/proc/cpuinfo` (empty where there is none).
    private static func processorFlags() -> Set<Substring> {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
              let colon = line.firstIndex(of: ":")
        else { return [] }
        return Set(line[line.index(after: colon)...].split(separator: " "))
    }
}
