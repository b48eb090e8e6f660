#pragma once
// The Python extension myelin._core (pybind11): shared pieces of core.cpp (the module,
// construction, changes between segments) and core_results.cpp (results as NumPy arrays).

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "myelin/simulation.hpp"

namespace myelin::python {

namespace py = pybind11;

/// A NumPy array over `v`'s buffer without a copy: the vector is moved into a capsule
/// that the array owns. `shape` defaults to 1-D. T2 reinterprets the elements (uint64
/// gids as int64; they are < 2^63).
template <class T, class T2 = T>
py::array_t<T2> as_array(std::vector<T>&& v, std::vector<py::ssize_t> shape = {}) {
  static_assert(sizeof(T) == sizeof(T2));
  auto* owner = new std::vector<T>(std::move(v));
  py::capsule keep(owner, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  if (shape.empty()) shape = {static_cast<py::ssize_t>(owner->size())};
  return py::array_t<T2>(shape, reinterpret_cast<T2*>(owner->data()), keep);
}

/// A simulation together with what the binding adds: the selections' gid lists, for
/// turning connection gids into indices within the pre and post selections.
struct py_simulation {
  std::unique_ptr<simulation> sim;
};

/// Registers the results methods (spikes, traces, connections, summary, spike_counts).
void bind_results(py::class_<py_simulation>& cls);
/// Registers run_batch (core_batch.cpp).
void bind_batch(py::module_& m);

}  // namespace myelin::python
