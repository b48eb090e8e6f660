// Brian2's unit names with SI prefixes, mapped to myelin's internal units (units.hpp).

#include "equations/units.hpp"

#include <cmath>
#include <map>
#include <utility>
#include <vector>

namespace myelin::detail::eq {
namespace {

dims make(int m, int kg, int s, int a, int k = 0, int mol = 0, int cd = 0) {
  dims d;
  const int e[7] = {m, kg, s, a, k, mol, cd};
  for (int i = 0; i < 7; ++i) d.half[i] = static_cast<int8_t>(2 * e[i]);
  return d;
}

// Internal unit of each base quantity, in SI: um, ug (so that mV = nA * MOhm comes out
// coherent with ms and nA), ms, nA; the rest SI.
constexpr double base_scale[7] = {1e-6, 1e-9, 1e-3, 1e-9, 1.0, 1.0, 1.0};

// SI value of one internal unit of dimension d.
double internal_si(const dims& d) {
  double f = 1.0;
  for (int i = 0; i < 7; ++i) f *= std::pow(base_scale[i], d.half[i] / 2.0);
  return f;
}

struct base_unit {
  const char* short_name;  // may be empty
  const char* long_names[2];
  double si;  // value in SI units
  dims d;
};

const std::vector<base_unit>& base_units() {
  static const std::vector<base_unit> u = {
      {"m", {"metre", "meter"}, 1.0, make(1, 0, 0, 0)},
      {"g", {"gram", "gramme"}, 1e-3, make(0, 1, 0, 0)},
      {"s", {"second", nullptr}, 1.0, make(0, 0, 1, 0)},
      {"A", {"amp", "ampere"}, 1.0, make(0, 0, 0, 1)},
      {"K", {"kelvin", nullptr}, 1.0, make(0, 0, 0, 0, 1)},
      {"mol", {"mole", nullptr}, 1.0, make(0, 0, 0, 0, 0, 1)},
      {"cd", {"candle", "candela"}, 1.0, make(0, 0, 0, 0, 0, 0, 1)},
      {"V", {"volt", nullptr}, 1.0, make(2, 1, -3, -1)},
      {"", {"ohm", nullptr}, 1.0, make(2, 1, -3, -2)},
      {"S", {"siemens", nullptr}, 1.0, make(-2, -1, 3, 2)},
      {"F", {"farad", nullptr}, 1.0, make(-2, -1, 4, 2)},
      {"C", {"coulomb", nullptr}, 1.0, make(0, 0, 1, 1)},
      {"Hz", {"hertz", nullptr}, 1.0, make(0, 0, -1, 0)},
      {"N", {"newton", nullptr}, 1.0, make(1, 1, -2, 0)},
      {"J", {"joule", nullptr}, 1.0, make(2, 1, -2, 0)},
      {"W", {"watt", nullptr}, 1.0, make(2, 1, -3, 0)},
      {"Pa", {"pascal", nullptr}, 1.0, make(-1, 1, -2, 0)},
      {"l", {"litre", "liter"}, 1e-3, make(3, 0, 0, 0)},
      {"L", {nullptr, nullptr}, 1e-3, make(3, 0, 0, 0)},
      {"M", {"molar", nullptr}, 1e3, make(-3, 0, 0, 0, 0, 1)},
  };
  return u;
}

const std::pair<const char*, double> prefixes[] = {
    {"y", 1e-24}, {"z", 1e-21}, {"a", 1e-18}, {"f", 1e-15}, {"p", 1e-12}, {"n", 1e-9}, {"u", 1e-6},
    {"m", 1e-3},  {"c", 1e-2},  {"d", 1e-1},  {"da", 1e1},  {"h", 1e2},   {"k", 1e3},  {"M", 1e6},
    {"G", 1e9},   {"T", 1e12},  {"P", 1e15},  {"E", 1e18},  {"Z", 1e21},  {"Y", 1e24}};

// Every name: bare, prefixed, and squared/cubed ("cm2", "um3", "mvolt2"). Unprefixed
// names win over prefixed readings ("Pa" is pascal, "cd" candela, "mol" mole).
std::map<std::string, std::pair<double, dims>> build_table() {
  std::map<std::string, std::pair<double, dims>> t;
  auto add = [&](const std::string& name, double si, const dims& d, bool keep) {
    if (name.empty()) return;
    for (int p = 1; p <= 3; ++p) {
      const std::string n = p == 1 ? name : name + std::to_string(p);
      const auto pd = d.power_halves(2 * p);
      if (keep)
        t[n] = {std::pow(si, p), *pd};
      else
        t.emplace(n, std::pair{std::pow(si, p), *pd});
    }
  };
  // Bare symbols (V, A, S, F, C, g, m, s, ...) are not units, as in Brian2: they are the
  // names of variables (C, g, m, h); only Hz, mol and cd stand alone.
  for (const auto& u : base_units()) {
    std::vector<std::string> names;
    const std::string sn = u.short_name ? u.short_name : "";
    if (sn == "Hz" || sn == "mol" || sn == "cd") names.emplace_back(sn);
    for (const char* l : u.long_names)
      if (l) names.emplace_back(l);
    for (const auto& n : names) add(n, u.si, u.d, true);
  }
  for (const auto& u : base_units()) {
    std::vector<std::string> names;
    if (u.short_name && *u.short_name) names.emplace_back(u.short_name);
    for (const char* l : u.long_names)
      if (l) names.emplace_back(l);
    for (const auto& n : names)
      if (!n.empty())
        for (const auto& [pre, f] : prefixes) add(pre + n, f * u.si, u.d, false);
  }
  return t;
}

}  // namespace

std::optional<dims> dims::power_halves(int p) const {
  dims r;
  for (int i = 0; i < 7; ++i) {
    const int v = half[i] * p;  // exponent*2 * p/2 = v/2, kept in halves: v/2
    if (v % 2) return std::nullopt;
    r.half[i] = static_cast<int8_t>(v / 2);
  }
  return r;
}

std::optional<unit> find_unit(const std::string& name) {
  static const auto table = build_table();
  const auto it = table.find(name);
  if (it == table.end()) return std::nullopt;
  const auto& [si, d] = it->second;
  return unit{si / internal_si(d), d};
}

// d as a product of powers of the seven base units named `base` ("metre^2 kilogram").
static std::string product_of_powers(const dims& d, const char* const (&base)[7]) {
  std::string s;
  for (int i = 0; i < 7; ++i) {
    if (!d.half[i]) continue;
    if (!s.empty()) s += ' ';
    s += base[i];
    if (d.half[i] != 2) {
      s += '^';
      s += d.half[i] % 2 ? std::to_string(d.half[i] / 2.0).substr(0, 4)
                         : std::to_string(d.half[i] / 2);
    }
  }
  return s;
}

std::string dims_name(const dims& d) {
  static const std::pair<const char*, dims> named[] = {
      {"volt", make(2, 1, -3, -1)},      {"amp", make(0, 0, 0, 1)},
      {"siemens", make(-2, -1, 3, 2)},   {"farad", make(-2, -1, 4, 2)},
      {"second", make(0, 0, 1, 0)},      {"hertz", make(0, 0, -1, 0)},
      {"ohm", make(2, 1, -3, -2)},       {"coulomb", make(0, 0, 1, 1)},
      {"metre", make(1, 0, 0, 0)},       {"volt/second", make(2, 1, -4, -1)},
      {"amp/second", make(0, 0, -1, 1)}, {"siemens/second", make(-2, -1, 2, 2)}};
  if (d.dimensionless()) return "1";
  for (const auto& [n, nd] : named)
    if (nd == d) return n;
  static const char* base[7] = {"metre", "kilogram", "second", "amp", "kelvin", "mole", "candle"};
  return product_of_powers(d, base);
}

std::string internal_unit_name(const dims& d) {
  static const std::pair<const char*, dims> named[] = {
      {"mV", make(2, 1, -3, -1)},    {"nA", make(0, 0, 0, 1)},       {"uS", make(-2, -1, 3, 2)},
      {"nF", make(-2, -1, 4, 2)},    {"ms", make(0, 0, 1, 0)},       {"1/ms", make(0, 0, -1, 0)},
      {"MOhm", make(2, 1, -3, -2)},  {"pC", make(0, 0, 1, 1)},       {"um", make(1, 0, 0, 0)},
      {"mV/ms", make(2, 1, -4, -1)}, {"nA/ms", make(0, 0, -1, 1)},   {"uS/ms", make(-2, -1, 2, 2)},
      {"um2", make(2, 0, 0, 0)},     {"nF/um2", make(-4, -1, 4, 2)}, {"uS/um2", make(-4, -1, 3, 2)},
      {"nA/um2", make(-2, 0, 0, 1)}};
  if (d.dimensionless()) return "";
  for (const auto& [n, nd] : named)
    if (nd == d) return n;
  static const char* base[7] = {"um", "ug", "ms", "nA", "K", "mol", "cd"};
  return product_of_powers(d, base);
}

}  // namespace myelin::detail::eq
