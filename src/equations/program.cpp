// Compiling expression DAGs to block register programs, and running them (program.hpp).

#include "equations/program.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <map>

#include "cells/vmath.hpp"
#include "myelin/error.hpp"

namespace myelin::detail::eq {
namespace {

constexpr uint8_t op_move = 255;

}  // namespace

program::program(const pool& p, const std::vector<std::pair<node_id, int>>& outputs,
                 const std::function<int(int)>& column_of, int n_columns)
    : n_columns_(n_columns) {
  // Post-order of every node the outputs need, and how often each is used.
  std::vector<node_id> roots;
  for (const auto& [root, col] : outputs) roots.push_back(root);
  const std::vector<node_id> order = post_order(p, roots);
  std::vector<int> uses = use_counts(p, order, roots);
  // Slots: registers first (constants, then temporaries), columns after; columns are
  // numbered once the register count is known, so keep them symbolic until then.
  constexpr int column_tag = 1 << 20;
  std::map<node_id, int> slot;
  std::vector<int> free_regs;
  int n_regs = 0;
  for (node_id i : order) {
    const node& n = p[i];
    if (n.k == op::num) {
      slot[i] = n_regs;
      constants_.push_back({n_regs++, n.value});
    } else if (n.k == op::sym) {
      slot[i] = column_tag + column_of(n.sym);
    }
  }
  struct pending {
    uint8_t k;
    int d, a, b, c;
  };
  std::vector<pending> code;
  auto release = [&](node_id i) {
    const int s = slot[i];
    if (--uses[i] == 0 && s < column_tag && p[i].k != op::num) free_regs.push_back(s);
  };
  for (node_id i : order) {
    const node& n = p[i];
    if (n.k == op::num || n.k == op::sym) continue;
    const int ar = arity(n.k);
    const int a = slot.at(n.a), b = ar > 1 ? slot.at(n.b) : 0, c = ar > 2 ? slot.at(n.c) : 0;
    // Free the operands first: an instruction may write a register it reads (lane by
    // lane, each lane reads before it writes); not log, which reads its operand twice.
    if (n.k != op::log) release(n.a);
    if (ar > 1) release(n.b);
    if (ar > 2) release(n.c);
    int d;
    if (!free_regs.empty()) {
      d = free_regs.back();
      free_regs.pop_back();
    } else {
      d = n_regs++;
    }
    slot[i] = d;
    if (n.k == op::log) release(n.a);
    code.push_back({static_cast<uint8_t>(n.k), d, a, b, c});
  }
  for (const auto& [root, col] : outputs) {
    const int s = slot.at(root), target = column_tag + col;
    if (s != target) code.push_back({op_move, target, s, 0, 0});
  }
  registers_ = n_regs;
  if (n_regs + n_columns > 65535) throw error("equations too large for the interpreter");
  auto fix = [&](int s) {
    return static_cast<uint16_t>(s >= column_tag ? s - column_tag + n_regs : s);
  };
  for (const pending& q : code) code_.push_back({q.k, fix(q.d), fix(q.a), fix(q.b), fix(q.c)});
}

void program::init_scratch(double* scratch) const {
  for (const auto& [r, v] : constants_) std::fill_n(scratch + r * block, block, v);
}

namespace {

// One block of cells through the whole program, fused multiply-adds fused or not (the
// compiled kernel's F). `ptr` holds the slot pointers.
template <bool F>
[[gnu::always_inline]] inline void run_block_as(const instr* code, std::size_t n_code,
                                                double* const* ptr, int len) {
  for (std::size_t q = 0; q < n_code; ++q) {
    const instr& in = code[q];
    double* d = ptr[in.d];  // may be one of the operands: lane i reads before it writes
    const double* a = ptr[in.a];
    const double* b = ptr[in.b];
    const double* c = ptr[in.c];
    switch (in.k) {
#define MYELIN_LOOP(expr)                                           \
  _Pragma("GCC ivdep") for (int i = 0; i < len; ++i) d[i] = (expr); \
  break;
      case static_cast<uint8_t>(op::neg):
        MYELIN_LOOP(-a[i])
      case static_cast<uint8_t>(op::add):
        MYELIN_LOOP(a[i] + b[i])
      case static_cast<uint8_t>(op::sub):
        MYELIN_LOOP(a[i] - b[i])
      case static_cast<uint8_t>(op::mul):
        MYELIN_LOOP(a[i] * b[i])
      case static_cast<uint8_t>(op::div):
        MYELIN_LOOP(a[i] / b[i])
      case static_cast<uint8_t>(op::lt):
        MYELIN_LOOP(a[i] < b[i] ? 1.0 : 0.0)
      case static_cast<uint8_t>(op::le):
        MYELIN_LOOP(a[i] <= b[i] ? 1.0 : 0.0)
      case static_cast<uint8_t>(op::gt):
        MYELIN_LOOP(a[i] > b[i] ? 1.0 : 0.0)
      case static_cast<uint8_t>(op::ge):
        MYELIN_LOOP(a[i] >= b[i] ? 1.0 : 0.0)
      case static_cast<uint8_t>(op::eq):
        MYELIN_LOOP(a[i] == b[i] ? 1.0 : 0.0)
      case static_cast<uint8_t>(op::ne):
        MYELIN_LOOP(a[i] != b[i] ? 1.0 : 0.0)
      case static_cast<uint8_t>(op::land):
        MYELIN_LOOP((a[i] != 0) & (b[i] != 0) ? 1.0 : 0.0)
      case static_cast<uint8_t>(op::lor):
        MYELIN_LOOP((a[i] != 0) | (b[i] != 0) ? 1.0 : 0.0)
      case static_cast<uint8_t>(op::lnot):
        MYELIN_LOOP(a[i] == 0 ? 1.0 : 0.0)
      case static_cast<uint8_t>(op::exp):
        MYELIN_LOOP(vexp_estrin<F>(a[i]))
      case static_cast<uint8_t>(op::sqrt):
        MYELIN_LOOP(std::sqrt(a[i]))
      case static_cast<uint8_t>(op::abs):
        MYELIN_LOOP(std::fabs(a[i]))
      case static_cast<uint8_t>(op::min):
        MYELIN_LOOP(std::fmin(a[i], b[i]))
      case static_cast<uint8_t>(op::max):
        MYELIN_LOOP(std::fmax(a[i], b[i]))
      case static_cast<uint8_t>(op::clip):
        MYELIN_LOOP(std::fmin(std::fmax(a[i], b[i]), c[i]))
      case static_cast<uint8_t>(op::where):
        MYELIN_LOOP(a[i] != 0 ? b[i] : c[i])
      case static_cast<uint8_t>(op::fma):
        MYELIN_LOOP(fmadd<F>(a[i], b[i], c[i]))
      case static_cast<uint8_t>(op::fms):
        MYELIN_LOOP(fmadd<F>(a[i], b[i], -c[i]))
      case static_cast<uint8_t>(op::fnma):
        MYELIN_LOOP(fmadd<F>(-a[i], b[i], c[i]))
      case static_cast<uint8_t>(op::floor):
        MYELIN_LOOP(std::floor(a[i]))
      case static_cast<uint8_t>(op::ceil):
        MYELIN_LOOP(std::ceil(a[i]))
      case static_cast<uint8_t>(op::trunc):
        MYELIN_LOOP(std::trunc(a[i]))
      case static_cast<uint8_t>(op::sin):
        MYELIN_LOOP(std::sin(a[i]))
      case static_cast<uint8_t>(op::cos):
        MYELIN_LOOP(std::cos(a[i]))
      case static_cast<uint8_t>(op::tanh):
        MYELIN_LOOP(std::tanh(a[i]))
      case static_cast<uint8_t>(op::pow):
        MYELIN_LOOP(std::pow(a[i], b[i]))
      case op_move:
        MYELIN_LOOP(a[i])
#undef MYELIN_LOOP
      case static_cast<uint8_t>(op::log): {
        // vlog needs a positive normal number; the rest (0, negative, subnormal, inf,
        // NaN) goes to std::log, which a vectorised loop cannot call.
        for (int i = 0; i < len; ++i) {
          const double x = a[i];
          d[i] = vlog(x >= DBL_MIN && x <= DBL_MAX ? x : 1.0);
        }
        for (int i = 0; i < len; ++i)
          if (!(a[i] >= DBL_MIN && a[i] <= DBL_MAX)) d[i] = std::log(a[i]);
        break;
      }
      default:
        break;
    }
  }
}

using block_fn = void (*)(const instr*, std::size_t, double* const*, int);
void run_block_base(const instr* code, std::size_t n, double* const* ptr, int len) {
  run_block_as<false>(code, n, ptr, len);
}
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((target("arch=x86-64-v4"))) void run_block_v4(const instr* code, std::size_t n,
                                                            double* const* ptr, int len) {
  run_block_as<true>(code, n, ptr, len);
}
__attribute__((target("arch=x86-64-v3"))) void run_block_v3(const instr* code, std::size_t n,
                                                            double* const* ptr, int len) {
  run_block_as<true>(code, n, ptr, len);
}
#endif

// The build for this CPU, picked as the compiled kernels pick theirs (codegen.cpp).
block_fn run_block_for_cpu() {
#if defined(__GNUC__) && !defined(__clang__)
  return fma_level() == 4 ? run_block_v4 : fma_level() == 3 ? run_block_v3 : run_block_base;
#else
  return run_block_base;
#endif
}

}  // namespace

void program::run(const column_ref* cols, std::size_t begin, std::size_t end,
                  double* scratch) const {
  // Slot pointers on the stack for the usual sizes (no allocation per step).
  constexpr int on_stack = 512;
  double* small[on_stack];
  std::vector<double*> big;
  const int slots = registers_ + n_columns_;
  double** ptr = small;
  if (slots > on_stack) {
    big.resize(slots);
    ptr = big.data();
  }
  static const block_fn run_block = run_block_for_cpu();
  for (int r = 0; r < registers_; ++r) ptr[r] = scratch + static_cast<std::size_t>(r) * block;
  for (std::size_t start = begin; start < end; start += block) {
    for (int k = 0; k < n_columns_; ++k)
      ptr[registers_ + k] = cols[k].uniform || !cols[k].data ? cols[k].data : cols[k].data + start;
    const int len = static_cast<int>(std::min<std::size_t>(block, end - start));
    run_block(code_.data(), code_.size(), ptr, len);
  }
}

}  // namespace myelin::detail::eq
