#pragma once
// Numbers and lists in messages.

#include <cstdio>
#include <string>

namespace myelin::detail {

/// The shortest readable form of a number ("%g": 0.1, 1e+07, -65).
inline std::string fmt(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", x);
  return buf;
}

/// "a, b, c": a list of names (what a field allows).
template <class Names>
std::string join(const Names& names) {
  std::string s;
  for (const auto& x : names) s += (s.empty() ? "" : ", ") + std::string(x);
  return s;
}

}  // namespace myelin::detail
