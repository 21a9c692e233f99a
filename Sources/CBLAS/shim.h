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

#endif
