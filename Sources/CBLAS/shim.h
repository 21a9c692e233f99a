#ifndef BILIN_CBLAS_SHIM_H
#define BILIN_CBLAS_SHIM_H
// OpenBLAS's CBLAS plus the reference LAPACKE. Debian's OpenBLAS build carries no LAPACKE symbols,
// so the module links liblapacke as well (module.modulemap).
#include <cblas.h>
#include <lapacke.h>

// `lapack_int` is a macro in lapacke.h; Swift sees macros only as constants, so name the type.
typedef lapack_int bilin_lapack_int;

// LAPACK_ROW_MAJOR is a macro too.
static inline int bilin_lapack_row_major(void) { return LAPACK_ROW_MAJOR; }

// glibc's mallopt (malloc.h, which Swift's Glibc module does not export): keep freed blocks in the process, so that
// the per-batch arrays of training reuse warm pages instead of new mmap'd ones (BilinCore Allocator.swift).
#if defined(__GLIBC__)
#include <malloc.h>
static inline void bilin_keep_freed_memory(int mmapThreshold, int trimThreshold) {
    mallopt(M_MMAP_THRESHOLD, mmapThreshold);
    mallopt(M_TRIM_THRESHOLD, trimThreshold);
}
#else
static inline void bilin_keep_freed_memory(int mmapThreshold, int trimThreshold) { (void)mmapThreshold; (void)trimThreshold; }
#endif

#endif
