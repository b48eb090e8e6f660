#pragma once
// Physical dimensions and Brian2's unit names (docs/equations.md, "Units").
//
// A dimension is a vector of exponents of the seven SI base quantities (length, mass,
// time, current, temperature, amount, luminous intensity), kept in halves so that sqrt
// of an area is a length. Values are computed in myelin's coherent unit system: ms, mV,
// nA, um (so conductances come out in uS, capacitances in nF, rates in 1/ms), i.e. the
// units of every built-in cell type, of weights and of recorded traces.

#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace myelin::detail::eq {

struct dims {
  std::array<int8_t, 7> half{};  // 2 x exponent of m, kg, s, A, K, mol, cd

  bool dimensionless() const {
    for (int8_t h : half)
      if (h) return false;
    return true;
  }
  friend bool operator==(const dims&, const dims&) = default;
  dims operator*(const dims& o) const {
    dims r;
    for (int i = 0; i < 7; ++i) r.half[i] = static_cast<int8_t>(half[i] + o.half[i]);
    return r;
  }
  dims operator/(const dims& o) const {
    dims r;
    for (int i = 0; i < 7; ++i) r.half[i] = static_cast<int8_t>(half[i] - o.half[i]);
    return r;
  }
  /// This dimension raised to p/2 (p in halves); nullopt when an exponent is not a
  /// multiple of 1/2 afterwards.
  std::optional<dims> power_halves(int p) const;
};

/// A unit: its dimension and the factor from the unit to myelin's internal unit of
/// that dimension (mV -> 1, V -> 1000, nS -> 0.001, ms -> 1, second -> 1000).
struct unit {
  double factor = 1.0;
  dims d;
};

/// The unit named `name` (Brian2's names: volt, mV, mvolt, nS, pA, uF, cm2, ms, Hz, ...),
/// or nullopt.
std::optional<unit> find_unit(const std::string& name);

/// A readable name of a dimension: "volt", "amp", "siemens", "second", "1" (dimensionless),
/// or base units with exponents ("metre^-2 second").
std::string dims_name(const dims& d);

/// The name of myelin's internal unit of a dimension ("mV", "nA", "uS", "nF", "ms",
/// "1/ms", "" for dimensionless; base products for the rest): what numbers in a model
/// file's `params` and `initial` are in.
std::string internal_unit_name(const dims& d);

}  // namespace myelin::detail::eq
