// The gate kernels built for AVX512 with FMA (flags in CMakeLists.txt, x86-64 only); see
// gate_kernels_impl.hpp. Empty where the build has no such flags.
#if defined(__AVX512F__) && defined(__FMA__)
#define MYELIN_GATES_NS avx512
#define MYELIN_GATES_NAME "avx512"
#include "cable/gate_kernels_impl.hpp"
#endif
