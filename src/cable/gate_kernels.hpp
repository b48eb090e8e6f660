#pragma once
// The state updates of the cable cells' gates, written for SIMD by hand: NEURON's
// cnexp step x += (1 - exp(-dt/tau(v))) (inf(v) - x) with inf and tau read from its
// rate tables by linear interpolation, and the same step for kca (rates from cai).
//
// They are most of the cost of a cable step (ten exponentials and 36 table reads per
// node of an L5 pyramidal cell), and GCC's auto-vectoriser turned them into scalar
// code or emulated gathers depending on the target, so each instruction set gets its
// own build of one source (gate_kernels_impl.hpp): AVX-512 + FMA, AVX2 + FMA, and
// baseline (SSE2 on x86-64, the native width elsewhere). Each lane loads the table row of
// its voltage whole (a row holds every quantity of a table point) and a register
// transpose turns lanes into quantities (no hardware gathers); the
// exponential's polynomial uses fused multiply-adds (std::fma on the baseline build, so
// every build gives the same bits). The interpolation and the update itself are
// separate multiplies and adds, as NEURON computes them.
//
// The kernels process whole vectors: arrays they read or write must have kPad values of
// slack past `len` (the extra lanes compute values nobody reads).

#include <cstddef>
#include <string_view>

namespace myelin::detail::cable_simd {

/// Slack (in doubles) the kernels may read or write past the end of their arrays.
inline constexpr std::size_t kPad = 8;

/// A NEURON rate table of G gates, row-interleaved: row k (k = 0 .. last) holds, for
/// each gate g, inf(k), inf(k+1) - inf(k), tau(k), tau(k+1) - tau(k) at
/// rows[k * 4G + 4g ...]. Index and fraction as NEURON: xi = mfac (v - vmin) clamped to
/// [0, n], k = min(floor(xi), last), theta = xi - k.
struct gate_table {
  const double* rows = nullptr;
  double vmin = 0.0, mfac = 1.0, n = 0.0;
  int last = 0;
};

struct kernels {
  const char* name;
  /// gates[G - 1]: x[g][j] += (1 - exp(-dt/tau_g(v[j]))) (inf_g(v[j]) - x[g][j]) for
  /// j < len and g < G.
  void (*gates[3])(std::size_t len, const double* v, const gate_table& t, double* const* x,
                   double dt);
  /// kca: a = ra cai, tau = 1/tadj/(a + rb), inf = a/(a + rb), the same update of n.
  void (*kca)(std::size_t len, const double* cai, double* n, double ra, double rb, double tadj,
              double dt);
  /// y[j] = e^x[j], the exponential the kernels use (for tests).
  void (*exp)(std::size_t len, const double* x, double* y);
};

/// The widest build this CPU runs. MYELIN_SIMD=avx512|avx2|baseline in the environment
/// picks another (one the CPU lacks is an error), for tests and comparisons.
const kernels& best_kernels();
/// The build of that name if this CPU runs it, else nullptr.
const kernels* kernels_named(std::string_view name);

}  // namespace myelin::detail::cable_simd
