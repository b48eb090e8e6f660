// The gate kernels built for the baseline instruction set (no flags); see
// gate_kernels_impl.hpp.
#define MYELIN_GATES_NS baseline
#define MYELIN_GATES_NAME "baseline"
#include "cable/gate_kernels_impl.hpp"
