#pragma once
// Numbers in messages: the shortest readable form ("%g": 0.1, 1e+07, -65).

#include <cstdio>
#include <string>

namespace myelin::detail {

inline std::string fmt(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", x);
  return buf;
}

}  // namespace myelin::detail
