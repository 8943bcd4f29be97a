// libaec: the szip-compatible buffer API (SZ_BufftoBuffDecompress) that libhdf5 calls.
#include <szlib.h>
