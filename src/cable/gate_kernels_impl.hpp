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

#if defined(__AVX512F__) && defined(__FMA__)
/// The first four doubles at p[l] for the 8 lanes l, as four vectors: q[e][l] = p[l][e].
/// Lanes l and l + 4 share a register, then a 4 x 4 transpose in each half (the two
/// stages of transpose() for bits 1 and 2): a third of the shuffles of a full transpose.
template <int B>
[[gnu::always_inline]] inline void transpose4_stage(vd (&m)[W]) {
  constexpr vm lo = lo_mask<B>(std::make_index_sequence<W>{});
  constexpr vm hi = hi_mask<B>(std::make_index_sequence<W>{});
  for (int i = 0; i < 4; ++i)
    if ((i & B) == 0) {
      const vd a = m[i], c = m[i + B];
      m[i] = __builtin_shuffle(a, c, lo);
      m[i + B] = __builtin_shuffle(a, c, hi);
    }
}
[[gnu::always_inline]] inline void load_transpose4(const double* const (&p)[W], vd (&m)[W]) {
  typedef double v4 __attribute__((vector_size(32)));
  for (int l = 0; l < 4; ++l) {
    v4 a, b;
    std::memcpy(&a, p[l], sizeof a);
    std::memcpy(&b, p[l + 4], sizeof b);
    m[l] = __builtin_shufflevector(a, b, 0, 1, 2, 3, 4, 5, 6, 7);
  }
  transpose4_stage<1>(m);
  transpose4_stage<2>(m);
}
#endif

// 2^(j/16) for j = 0 .. 15 as a double and the rest (correctly rounded).
alignas(64) constexpr double exp2_hi[16] = {
    0x1.0000000000000p+0, 0x1.0b5586cf9890fp+0, 0x1.172b83c7d517bp+0, 0x1.2387a6e756238p+0,
    0x1.306fe0a31b715p+0, 0x1.3dea64c123422p+0, 0x1.4bfdad5362a27p+0, 0x1.5ab07dd485429p+0,
    0x1.6a09e667f3bcdp+0, 0x1.7a11473eb0187p+0, 0x1.8ace5422aa0dbp+0, 0x1.9c49182a3f090p+0,
    0x1.ae89f995ad3adp+0, 0x1.c199bdd85529cp+0, 0x1.d5818dcfba487p+0, 0x1.ea4afa2a490dap+0};
alignas(64) constexpr double exp2_lo[16] = {0.0,
                                            0x1.8a62e4adc610bp-54,
                                            -0x1.19041b9d78a76p-55,
                                            0x1.9b07eb6c70573p-54,
                                            0x1.6f46ad23182e4p-55,
                                            0x1.ada0911f09ebcp-55,
                                            0x1.d4397afec42e2p-56,
                                            0x1.6324c054647adp-54,
                                            -0x1.bdd3413b26456p-54,
                                            -0x1.41577ee04992fp-55,
                                            0x1.6e9f156864b27p-54,
                                            0x1.c7c46b071f2bep-56,
                                            0x1.7a1cd345dcc81p-54,
                                            0x1.11065895048ddp-55,
                                            0x1.2ed02d75b3707p-55,
                                            -0x1.e9c23179c2893p-54};

/// tab[idx[l]] per lane, idx in [0, 16).
[[gnu::always_inline]] inline vd lookup16(const double* tab, vl idx) {
#if defined(__AVX512F__) && defined(__FMA__)
  return __builtin_shuffle(load(tab), load(tab + 8), idx);  // one two-register permute
#else
  vd r;
  for (int l = 0; l < W; ++l) r[l] = tab[idx[l]];
  return r;
#endif
}

/// e^x for x in [-708, 709] (clamped outside), within 1 ulp of libm. x = (16 k + j)
/// ln2/16 + r with |r| <= ln2/32: e^x = 2^k 2^(j/16) (1 + q(r)), q to degree 7 (its
/// truncation error is below 1e-18), 2^(j/16) in two parts. Fewer multiplies than
/// vexp's degree-13 series, which matters here: these kernels are bound by the
/// multiply-add units.
/// NonPositive: the caller guarantees x <= 0 (or NaN), so only the lower clamp is needed.
template <bool NonPositive = false>
[[gnu::always_inline]] inline vd exp(vd x) {
  x = x < -708.0 ? splat(-708.0) : x;
  if constexpr (!NonPositive) x = x > 709.0 ? splat(709.0) : x;
  constexpr double shifter = 0x1.8p52;
  const vd t = x * 0x1.71547652b82fep+4 + shifter;  // x 16/ln2, rounded to an integer
  const vd kj = t - shifter;
  const vd r = (x - kj * 0x1.62e42fefa0000p-5) - kj * 0x1.cf79abc9e3b3ap-44;
  // The low mantissa bits of t hold 16 k + j (plus 2^51): j in the low four, k above.
  const vl tb = reinterpret_cast<vl>(t);
  const vl j = tb & 15;
  vd p = splat(1.0 / 5040.0);
  p = fmadd(p, r, splat(1.0 / 720.0));
  p = fmadd(p, r, splat(1.0 / 120.0));
  p = fmadd(p, r, splat(1.0 / 24.0));
  p = fmadd(p, r, splat(1.0 / 6.0));
  p = fmadd(p, r, splat(0.5));
  p = fmadd(p, r, splat(1.0));
  const vd q = p * r;
  const vd th = lookup16(exp2_hi, j), tl = lookup16(exp2_lo, j);
  const vd m = th + fmadd(th, q, tl);
#if defined(__AVX512F__) && defined(__FMA__)
  // m 2^floor(kj/16) = m 2^k in one instruction (exact: 2^k is a normal number here).
  return _mm512_maskz_scalef_pd(0xFF, m, kj * 0.0625);  // maskz: GCC 12 warns on the plain form
#else
  const vu bits = (reinterpret_cast<vu>(tb >> 4) + 1023u) << 52;
  return m * reinterpret_cast<vd>(bits);
#endif
}

// U vectors per iteration, interleaved: each vector's chain of loads, divide and exp is
// long, so independent vectors keep the pipelines busy. The tail of an array goes one
// vector at a time (tiny spans, such as a basket cell's three nodes, stay cheap).
constexpr int U = 4;

template <int G>
struct gate_step {
  static constexpr int S = 4 * G;             // doubles per table row
  static constexpr int NB = (S + W - 1) / W;  // vectors per row
  vd mfac, vmin, n, mdt;
  vi last;
  const double* __restrict rows;
  double* __restrict x[G];

  template <int UU>
  [[gnu::always_inline]] inline void block(const double* v, std::size_t j) const {
    vd theta[UU];
    vd q[UU][NB * W];  // q[u][s]: row quantity s for the W lanes of vector u
    for (int u = 0; u < UU; ++u) {
      vd xi = mfac * (load(v + j + u * W) - vmin);
      xi = xi >= 0.0 ? xi : splat(0.0);  // NaN -> 0: never an index outside the table
      xi = xi <= n ? xi : n;
      vi k = __builtin_convertvector(xi, vi);
      k = k < last ? k : last;
      theta[u] = xi - __builtin_convertvector(k, vd);
      // Each lane's row is contiguous: load it whole and transpose lanes into quantities.
      for (int b = 0; b < NB; ++b) {
        vd m[W];
#if defined(__AVX512F__) && defined(__FMA__)
        if (S % W == 4 && b == NB - 1) {  // a half block: four quantities
          const double* p[W];
          for (int l = 0; l < W; ++l) p[l] = rows + k[l] * S + b * W;
          load_transpose4(p, m);
          for (int e = 0; e < 4; ++e) q[u][b * W + e] = m[e];
          continue;
        }
#endif
        for (int l = 0; l < W; ++l) m[l] = load(rows + k[l] * S + b * W);
        transpose(m);
        for (int e = 0; e < W; ++e) q[u][b * W + e] = m[e];
      }
    }
    for (int g = 0; g < G; ++g)
      for (int u = 0; u < UU; ++u) {
        const vd* r = q[u] + 4 * g;
        const vd inf = r[0] + theta[u] * r[1];
        const vd tau = r[2] + theta[u] * r[3];
        const vd xg = load(x[g] + j + u * W);
        store(x[g] + j + u * W, xg + (1.0 - exp<true>(mdt / tau)) * (inf - xg));
      }
  }
};

template <int G>
void gates(std::size_t len, const double* v, const gate_table& t, double* const* xp, double dt) {
  gate_step<G> st{splat(t.mfac), splat(t.vmin), splat(t.n), splat(-dt), vi{} + t.last, t.rows, {}};
  for (int g = 0; g < G; ++g) st.x[g] = xp[g];
  std::size_t j = 0;
  for (; j + U * W <= len; j += U * W) st.template block<U>(v, j);
  for (; j < len; j += W) st.template block<1>(v, j);
}

void kca(std::size_t len, const double* cai, double* n, double ra, double rb, double tadj,
         double dt) {
  const vd mdt = splat(-dt);
  for (std::size_t j = 0; j < len; j += W) {
    const vd a = ra * load(cai + j);
    const vd tau = 1.0 / tadj / (a + rb), inf = a / (a + rb);
    const vd nj = load(n + j);
    store(n + j, nj + (1.0 - exp<true>(mdt / tau)) * (inf - nj));
  }
}

void exp_array(std::size_t len, const double* x, double* y) {
  for (std::size_t j = 0; j < len; j += W) store(y + j, exp(load(x + j)));
}

}  // namespace

extern const kernels table{MYELIN_GATES_NAME, {gates<1>, gates<2>, gates<3>}, kca, exp_array};

}  // namespace myelin::detail::cable_simd::MYELIN_GATES_NS
