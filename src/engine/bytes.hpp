#pragma once
// Plain byte buffers for gathering results on rank 0 (distributed_context::gather).

#include <cstring>
#include <vector>

namespace myelin::detail {

template <class T>
void put(std::vector<char>& b, const T* x, std::size_t n) {
  const char* p = reinterpret_cast<const char*>(x);
  b.insert(b.end(), p, p + n * sizeof(T));
}
template <class T>
void put(std::vector<char>& b, T x) {
  put(b, &x, 1);
}

struct reader {
  const std::vector<char>& b;
  std::size_t at = 0;
  template <class T>
  T get() {
    T x;
    std::memcpy(&x, b.data() + at, sizeof(T));
    at += sizeof(T);
    return x;
  }
  template <class T>
  void get(T* x, std::size_t n) {
    if (n == 0) return;  // x may be an empty vector's null data(): memcpy forbids it
    std::memcpy(x, b.data() + at, n * sizeof(T));
    at += n * sizeof(T);
  }
  bool done() const { return at >= b.size(); }
};

}  // namespace myelin::detail
