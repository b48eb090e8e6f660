#include "cable/mechanisms.hpp"

#include "myelin/error.hpp"

namespace myelin::detail::cable_mech {

namespace {
// x/(exp(x/y) - 1), with hh2's guard near x = 0.
double vtrap(double x, double y) {
  if (std::fabs(x / y) < 1e-6) return y * (1.0 - x / y / 2.0);
  return x / (std::exp(x / y) - 1.0);
}
}  // namespace

void hh2_rates(double v, double* out) {
  const double q10 = hh2_q10();
  double a = 0.1 * vtrap(-(v + 40.0), 10.0);
  double b = 4.0 * std::exp(-(v + 65.0) / 18.0);
  double sum = a + b;
  out[1] = 1.0 / (q10 * sum);
  out[0] = a / sum;
  a = 0.07 * std::exp(-(v + 65.0) / 20.0);
  b = 1.0 / (std::exp(-(v + 35.0) / 10.0) + 1.0);
  sum = a + b;
  out[3] = 1.0 / (q10 * sum);
  out[2] = a / sum;
  a = 0.01 * vtrap(-(v + 55.0), 10.0);
  b = 0.125 * std::exp(-(v + 65.0) / 80.0);
  sum = a + b;
  out[5] = 1.0 / (q10 * sum);
  out[4] = a / sum;
}

void km_rates(double v, double* out) {
  constexpr double ra = 0.001, rb = 0.001, tha = -30.0, qa = 9.0;
  const double a = ra * (v - tha) / (1.0 - std::exp(-(v - tha) / qa));
  const double b = -rb * (v - tha) / (1.0 - std::exp((v - tha) / qa));
  out[1] = 1.0 / km_tadj() / (a + b);
  out[0] = a / (a + b);
}

void ca_rates(double vm, double* out) {
  const double tadj = km_tadj();
  double a = 0.055 * (-27.0 - vm) / (std::exp((-27.0 - vm) / 3.8) - 1.0);
  double b = 0.94 * std::exp((-75.0 - vm) / 17.0);
  out[2] = 1.0 / tadj / (a + b);
  out[0] = a / (a + b);
  a = 0.000457 * std::exp((-13.0 - vm) / 50.0);
  b = 0.0065 / (std::exp((-vm - 15.0) / 28.0) + 1.0);
  out[3] = 1.0 / tadj / (a + b);
  out[1] = a / (a + b);
}

void cat_rates(double v, double* out) {
  out[0] = 1.0 / (1.0 + std::exp((-v - 56.0) / 6.2));
  out[1] = 0.204 + 0.333 / (std::exp((v + 15.8) / 18.2) + std::exp((-v - 131.0) / 16.7));
  out[2] = 1.0 / (1.0 + std::exp((v + 80.0) / 4.0));
  out[3] = v < -81.0 ? 0.333 * std::exp((v + 466.0) / 66.6)
                     : 9.32 + 0.333 * std::exp((-v - 21.0) / 10.5);
}

void ar_rates(double v, double* out) {
  out[0] = 1.0 / (1.0 + std::exp((v + 75.0) / 5.5));
  out[1] = 1.0 / (std::exp(-14.6 - 0.086 * v) + std::exp(-1.87 + 0.07 * v));
}

const rate_table& hh2_table() {
  static const rate_table t(-100.0, 100.0, 200, 6, hh2_rates);
  return t;
}
const rate_table& km_table() {
  static const rate_table t(-120.0, 100.0, 199, 2, km_rates);
  return t;
}
const rate_table& ca_table() {
  static const rate_table t(-120.0, 100.0, 199, 4, ca_rates);
  return t;
}
const rate_table& cat_table() {
  static const rate_table t(-120.0, 40.0, 641, 4, cat_rates);
  return t;
}
const rate_table& ar_table() {
  static const rate_table t(-120.0, 40.0, 641, 2, ar_rates);
  return t;
}

gate_rows::gate_rows(const rate_table& t, std::initializer_list<int> inf,
                     std::initializer_list<int> tau) {
  std::vector<part> parts;
  for (std::size_t g = 0; g < inf.size(); ++g)
    parts.push_back({&t, inf.begin()[g], tau.begin()[g]});
  build(parts);
}

gate_rows::gate_rows(std::initializer_list<part> parts) {
  build(parts);
}

void gate_rows::build(const std::vector<part>& parts) {
  const rate_table& t = *parts.begin()->table;
  for (const part& p : parts)
    if (p.table->vmin != t.vmin || p.table->mfac != t.mfac || p.table->n != t.n)
      throw internal_error("gate_rows: the tables of one row layout need the same grid");
  for (int k = 0; k < t.n; ++k)
    for (const part& p : parts)
      for (int q : {p.inf, p.tau}) {
        const std::vector<double>& x = p.table->q[q];
        rows.push_back(x[k]);
        rows.push_back(x[k + 1] - x[k]);
      }
  rows.resize(rows.size() + cable_simd::kPad, 0.0);  // the kernels load whole vectors
  view = {rows.data(), t.vmin, t.mfac, static_cast<double>(t.n), t.n - 1};
}

const cable_simd::gate_table& hh2_gate_rows() {
  static const gate_rows r(hh2_table(), {0, 2, 4}, {1, 3, 5});
  return r.view;
}
const cable_simd::gate_table& km_gate_rows() {
  static const gate_rows r(km_table(), {0}, {1});
  return r.view;
}
const cable_simd::gate_table& ca_gate_rows() {
  static const gate_rows r(ca_table(), {0, 1}, {2, 3});
  return r.view;
}
const cable_simd::gate_table& cat_gate_rows() {
  static const gate_rows r(cat_table(), {0, 2}, {1, 3});
  return r.view;
}
const cable_simd::gate_table& ar_gate_rows() {
  static const gate_rows r(ar_table(), {0}, {1});
  return r.view;
}

const cable_simd::gate_table& km_ca_gate_rows() {
  static const gate_rows r({{&km_table(), 0, 1}, {&ca_table(), 0, 2}, {&ca_table(), 1, 3}});
  return r.view;
}
const cable_simd::gate_table& cat_ar_gate_rows() {
  static const gate_rows r({{&cat_table(), 0, 1}, {&cat_table(), 2, 3}, {&ar_table(), 0, 1}});
  return r.view;
}

double exp2syn_factor(double tau1, double tau2) {
  // NEURON keeps tau1 < tau2 (Exp2Syn's INITIAL block).
  if (tau1 / tau2 > 0.9999) tau1 = 0.9999 * tau2;
  if (tau1 / tau2 < 1e-9) tau1 = tau2 * 1e-9;
  const double tp = (tau1 * tau2) / (tau2 - tau1) * std::log(tau2 / tau1);
  return 1.0 / (-std::exp(-tp / tau1) + std::exp(-tp / tau2));
}

}  // namespace myelin::detail::cable_mech
