internal import CBLAS

/// Keeps freed memory in the process so that the big per-batch arrays of training and inference reuse it.
///
/// glibc serves allocations above its mmap threshold with fresh pages (zeroed by the kernel, faulted in one by one)
/// and returns them on free; it also trims the heap top back to the kernel. A training step allocates and frees
/// activations of a few MB each, so without this every step pays page faults for them (measured: 10–15 % of a
/// bilinear training step in `clear_page`/page-fault handling). Raising both thresholds makes freed blocks reusable.
enum Allocator {
    /// Call before a hot loop; idempotent, a no-op off glibc.
    static func keepFreedMemory() {
        _ = configured
    }

    private static let configured: Bool = {
        bilin_keep_freed_memory(256 << 20, 512 << 20)
        return true
    }()
}
