#pragma once
// A JSON value with its path, for reading model files with errors that name the field
// (json.cpp, json_templates.cpp).

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/format.hpp"
#include "myelin/error.hpp"

namespace myelin::detail {

using json = nlohmann::json;

inline std::string type_name(const json& j) {
  switch (j.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::string:
      return "a string";
    case json::value_t::array:
      return "an array";
    case json::value_t::object:
      return "an object";
    default:
      return "a number";
  }
}

// A JSON value with its path, for error messages.
struct node {
  const json& j;
  std::string path;

  node at(const std::string& key) const {
    return {j.at(key), path.empty() ? key : path + "." + key};
  }
  node at(std::size_t i) const { return {j.at(i), path + "[" + std::to_string(i) + "]"}; }
  bool has(const std::string& key) const { return j.contains(key); }

  [[noreturn]] void fail(const std::string& msg) const { throw model_error(path, msg); }

  void expect_object(const std::vector<std::string>& allowed) const {
    if (!j.is_object()) fail("expected an object, got " + type_name(j));
    for (auto it = j.begin(); it != j.end(); ++it) {
      bool ok = false;
      for (const auto& a : allowed) ok = ok || a == it.key();
      if (!ok) {
        throw model_error(path.empty() ? it.key() : path + "." + it.key(),
                          "unknown field (allowed: " + detail::join(allowed) + ")");
      }
    }
  }
  double number() const {
    if (!j.is_number()) fail("expected a number, got " + type_name(j));
    const double v = j.get<double>();
    if (!std::isfinite(v)) fail("expected a finite number");
    return v;
  }
  // Integers are read exactly: a JSON integer as such, a number written with a fraction
  // or an exponent only when it is whole and within range (never through a wrapping
  // cast: 18446744073709551617 is refused, not read as -9223372036854775808).
  int64_t integer() const {
    if (j.is_number_unsigned()) {
      const auto u = j.get<uint64_t>();
      if (u > static_cast<uint64_t>(INT64_MAX))
        fail("expected an integer <= 9223372036854775807, got " + j.dump());
      return static_cast<int64_t>(u);
    }
    if (j.is_number_integer()) return j.get<int64_t>();
    if (!j.is_number()) fail("expected an integer, got " + type_name(j));
    const double x = number();
    if (std::floor(x) != x) fail("expected an integer, got " + j.dump());
    if (!(x >= -9223372036854775808.0 && x < 9223372036854775808.0))
      fail("expected an integer in [-2^63, 2^63), got " + j.dump());
    return static_cast<int64_t>(x);
  }
  // An unsigned 64-bit integer (seeds): the whole range [0, 2^64 - 1], exactly.
  uint64_t unsigned_integer() const {
    if (j.is_number_unsigned()) return j.get<uint64_t>();
    if (j.is_number_integer()) fail("must be >= 0, got " + std::to_string(j.get<int64_t>()));
    if (!j.is_number())
      fail("expected an integer in [0, 18446744073709551615], got " + type_name(j));
    const double x = number();
    if (std::floor(x) != x || x < 0 || x >= 18446744073709551616.0)
      fail("expected an integer in [0, 18446744073709551615], got " + j.dump());
    // Above 2^53 a number with an exponent or a fraction no longer names one integer.
    if (x > 9007199254740992.0)
      fail("write integers above 2^53 in full digits (got " + j.dump() +
           ", which is not exact as a floating-point number)");
    return static_cast<uint64_t>(x);
  }
  bool boolean() const {
    if (!j.is_boolean()) fail("expected true or false, got " + type_name(j));
    return j.get<bool>();
  }
  std::string string() const {
    if (!j.is_string()) fail("expected a string, got " + type_name(j));
    return j.get<std::string>();
  }
  std::vector<double> numbers() const {
    if (!j.is_array()) fail("expected an array of numbers, got " + type_name(j));
    std::vector<double> v;
    v.reserve(j.size());
    for (std::size_t i = 0; i < j.size(); ++i) v.push_back(at(i).number());
    return v;
  }
  std::vector<std::string> strings() const {
    if (j.is_string()) return {j.get<std::string>()};
    if (!j.is_array()) fail("expected a string or an array of strings, got " + type_name(j));
    std::vector<std::string> v;
    for (std::size_t i = 0; i < j.size(); ++i) v.push_back(at(i).string());
    return v;
  }
};

}  // namespace myelin::detail
