// The gate kernels built for AVX2 with FMA (flags in CMakeLists.txt, x86-64 only); see
// gate_kernels_impl.hpp. Empty where the build has no such flags.
#if defined(__AVX2__) && defined(__FMA__)
#define MYELIN_GATES_NS avx2
#define MYELIN_GATES_NAME "avx2"
#include "cable/gate_kernels_impl.hpp"
#endif
