// One build of the gate kernels (gate_kernels.hpp), included by gate_kernels_<isa>.cpp
// with MYELIN_GATES_NS naming its namespace. The instruction set is the one the file is
// compiled for: AVX-512F with FMA, AVX2 with FMA, or neither (baseline).
//
// This file is compiled with instruction-set flags other translation units lack, so it
// defines nothing with external linkage but the one kernels table and instantiates no
// inline function shared with them (no std containers or algorithms): the linker could
// otherwise keep this build's copy of such a function for the whole program.

#include <cstdint>
#include <cstring>
#include <utility>

#include "cable/gate_kernels.hpp"

#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif

namespace myelin::detail::cable_simd::MYELIN_GATES_NS {
namespace {

#if defined(__AVX512F__) && defined(__FMA__)
constexpr int W = 8;
#elif defined(__AVX2__) && defined(__FMA__)
constexpr int W = 4;
#else
constexpr int W = 2;
#endif

typedef double vd __attribute__((vector_size(8 * W)));
typedef int64_t vl __attribute__((vector_size(8 * W)));
typedef uint64_t vu __attribute__((vector_size(8 * W)));
typedef int32_t vi __attribute__((vector_size(4 * W)));

[[gnu::always_inline]] inline vd load(const double* p) {
  vd r;
  std::memcpy(&r, p, sizeof r);
  return r;
}
[[gnu::always_inline]] inline void store(double* p, vd x) {
  std::memcpy(p, &x, sizeof x);
}
[[gnu::always_inline]] inline vd splat(double x) {
  return vd{} + x;
}

/// a * b + c rounded once.
[[gnu::always_inline]] inline vd fmadd(vd a, vd b, vd c) {
#if defined(__AVX512F__) && defined(__FMA__)
  return _mm512_fmadd_pd(a, b, c);
#elif defined(__AVX2__) && defined(__FMA__)
  return _mm256_fmadd_pd(a, b, c);
#else
  vd r;
  for (int l = 0; l < W; ++l) r[l] = __builtin_fma(a[l], b[l], c[l]);
  return r;
#endif
}

typedef int64_t vm __attribute__((vector_size(8 * W)));  // shuffle masks

/// Transposes W vectors of W lanes in place: m[i][e] becomes m[e][i]. Butterflies: the
/// stage for bit b swaps m[i][e] with m[i ^ b][e ^ b] where bits b of i and e differ; after
/// every bit each element has moved to m[e][i].
template <int B, std::size_t... e>
constexpr vm lo_mask(std::index_sequence<e...>) {
  return vm{((e & B) == 0 ? int64_t(e) : int64_t(W + e - B))...};
}
template <int B, std::size_t... e>
constexpr vm hi_mask(std::index_sequence<e...>) {
  return vm{((e & B) == 0 ? int64_t(e + B) : int64_t(W + e))...};
}
template <int B>
[[gnu::always_inline]] inline void transpose_stage(vd (&m)[W]) {
  constexpr vm lo = lo_mask<B>(std::make_index_sequence<W>{});
  constexpr vm hi = hi_mask<B>(std::make_index_sequence<W>{});
  for (int i = 0; i < W; ++i)
    if ((i & B) == 0) {
      const vd a = m[i], c = m[i + B];
      m[i] = __builtin_shuffle(a, c, lo);
      m[i + B] = __builtin_shuffle(a, c, hi);
    }
}
[[gnu::always_inline]] inline void transpose(vd (&m)[W]) {
  transpose_stage<1>(m);
  if constexpr (W > 2) transpose_stage<2>(m);
  if constexpr (W > 4) transpose_stage<4>(m);
}

/// vexp (cells/vmath.hpp) with its polynomial in fused multiply-adds.
[[gnu::always_inline]] inline vd exp(vd x) {
  x = x < -708.0 ? splat(-708.0) : x;
  x = x > 709.0 ? splat(709.0) : x;
  constexpr double shifter = 0x1.8p52;
  const vd t = x * 1.4426950408889634 + shifter;
  const vd k = t - shifter;
  const vd r = (x - k * 0x1.62e42fefa3800p-1) - k * 0x1.ef35793c76730p-45;
  vd p = splat(1.0 / 6227020800.0);
  p = fmadd(p, r, splat(1.0 / 479001600.0));
  p = fmadd(p, r, splat(1.0 / 39916800.0));
  p = fmadd(p, r, splat(1.0 / 3628800.0));
  p = fmadd(p, r, splat(1.0 / 362880.0));
  p = fmadd(p, r, splat(1.0 / 40320.0));
  p = fmadd(p, r, splat(1.0 / 5040.0));
  p = fmadd(p, r, splat(1.0 / 720.0));
  p = fmadd(p, r, splat(1.0 / 120.0));
  p = fmadd(p, r, splat(1.0 / 24.0));
  p = fmadd(p, r, splat(1.0 / 6.0));
  p = fmadd(p, r, splat(0.5));
  p = fmadd(p, r, splat(1.0));
  p = fmadd(p, r, splat(1.0));
  const vu bits = (reinterpret_cast<vu>(t) + 1023u) << 52;
  return p * reinterpret_cast<vd>(bits);
}

// U vectors per iteration, interleaved: the load -> divide -> exp chain of one vector is
// long, so independent vectors keep the pipelines busy.
constexpr int U = W == 8 ? 2 : 4;

template <int G>
void gates(std::size_t len, const double* v, const gate_table& t, double* const* xp, double dt) {
  constexpr int S = 4 * G;             // doubles per table row
  constexpr int NB = (S + W - 1) / W;  // vectors per row
  const vd mfac = splat(t.mfac), vmin = splat(t.vmin), n = splat(t.n), zero = splat(0.0);
  const vd mdt = splat(-dt);
  const vi last = vi{} + t.last;
  const double* __restrict rows = t.rows;
  double* __restrict x[G];
  for (int g = 0; g < G; ++g) x[g] = xp[g];
  for (std::size_t j = 0; j < len; j += U * W) {
    vd theta[U];
    vd q[U][NB * W];  // q[u][s]: row quantity s for the W lanes of vector u
    for (int u = 0; u < U; ++u) {
      vd xi = mfac * (load(v + j + u * W) - vmin);
      xi = xi >= 0.0 ? xi : zero;  // NaN -> 0: never an index outside the table
      xi = xi <= n ? xi : n;
      vi k = __builtin_convertvector(xi, vi);
      k = k < last ? k : last;
      theta[u] = xi - __builtin_convertvector(k, vd);
      // Each lane's row is contiguous: load it whole and transpose lanes into quantities.
      for (int b = 0; b < NB; ++b) {
        vd m[W];
        for (int l = 0; l < W; ++l) m[l] = load(rows + k[l] * S + b * W);
        transpose(m);
        for (int e = 0; e < W; ++e) q[u][b * W + e] = m[e];
      }
    }
    for (int g = 0; g < G; ++g)
      for (int u = 0; u < U; ++u) {
        const vd* r = q[u] + 4 * g;
        const vd inf = r[0] + theta[u] * r[1];
        const vd tau = r[2] + theta[u] * r[3];
        const vd xg = load(x[g] + j + u * W);
        store(x[g] + j + u * W, xg + (1.0 - exp(mdt / tau)) * (inf - xg));
      }
  }
}

void kca(std::size_t len, const double* cai, double* n, double ra, double rb, double tadj,
         double dt) {
  const vd mdt = splat(-dt);
  for (std::size_t j = 0; j < len; j += W) {
    const vd a = ra * load(cai + j);
    const vd tau = 1.0 / tadj / (a + rb), inf = a / (a + rb);
    const vd nj = load(n + j);
    store(n + j, nj + (1.0 - exp(mdt / tau)) * (inf - nj));
  }
}

}  // namespace

extern const kernels table{MYELIN_GATES_NAME, {gates<1>, gates<2>, gates<3>}, kca};

}  // namespace myelin::detail::cable_simd::MYELIN_GATES_NS
