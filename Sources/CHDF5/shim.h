#ifndef BILIN_CHDF5_SHIM_H
#define BILIN_CHDF5_SHIM_H
// Debian installs HDF5 under hdf5/serial (pkg-config hdf5-serial adds that folder).
#include <hdf5.h>

// Swift imports none of HDF5's object-like macros: H5T_NATIVE_FLOAT and friends expand to a call of
// H5open() plus a global, the H5F_ACC_* flags are casts, and H5P_DEFAULT imports with the wrong type.
static inline hid_t bilin_h5p_default(void) { return H5P_DEFAULT; }
static inline hid_t bilin_h5s_all(void) { return H5S_ALL; }
static inline hid_t bilin_h5t_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t bilin_h5t_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t bilin_h5t_native_int64(void) { return H5T_NATIVE_INT64; }
static inline hid_t bilin_h5t_native_uint8(void) { return H5T_NATIVE_UINT8; }
static inline hid_t bilin_h5t_c_s1(void) { return H5T_C_S1; }
static inline size_t bilin_h5t_variable(void) { return H5T_VARIABLE; }
static inline unsigned bilin_h5f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned bilin_h5f_acc_trunc(void) { return H5F_ACC_TRUNC; }
static inline hid_t bilin_h5e_default(void) { return H5E_DEFAULT; }
static inline hid_t bilin_h5p_file_access(void) { return H5P_FILE_ACCESS; }

// H5Eset_auto2 with a NULL handler stops HDF5 printing its error stack to stderr; we report errors ourselves.
static inline void bilin_h5_silence_errors(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

// H5Eget_msg of the innermost error of the default stack, for our one-line messages.
static herr_t bilin_h5_walk_innermost(unsigned n, const H5E_error2_t *err, void *data) {
    if (n == 0) {
        char *out = (char *)data;
        snprintf(out, 255, "%s", err->desc ? err->desc : "");
    }
    return 0;
}
static inline void bilin_h5_last_error(char *buffer /* 256 bytes */) {
    buffer[0] = 0;
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, bilin_h5_walk_innermost, buffer);
}
#endif
