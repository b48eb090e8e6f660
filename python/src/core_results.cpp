// Results of myelin._core.Simulation as NumPy arrays: spikes and traces without copies
// (the engine's vectors are moved into the arrays), connections as columns.

#include <pybind11/stl.h>

#include <algorithm>
#include <unordered_map>

#include "core.hpp"
#include "model/selection.hpp"
#include "myelin/error.hpp"
#include "myelin/hnn.hpp"

namespace myelin::python {

namespace {

// Index within a selection of each gid it holds (its first place, for a gid named twice).
class selection_index {
 public:
  explicit selection_index(const std::vector<uint64_t>& gids) {
    if (gids.empty()) return;
    lo_ = *std::min_element(gids.begin(), gids.end());
    const uint64_t hi = *std::max_element(gids.begin(), gids.end());
    index_.assign(hi - lo_ + 1, -1);
    for (std::size_t k = gids.size(); k-- > 0;) index_[gids[k] - lo_] = static_cast<int64_t>(k);
  }
  int64_t operator()(uint64_t gid) const { return index_[gid - lo_]; }

 private:
  uint64_t lo_ = 0;
  std::vector<int64_t> index_;
};

}  // namespace

void bind_results(py::class_<py_simulation>& cls) {
  cls.def(
      "spikes",
      [](py_simulation& s, const std::string& population) {
        spike_data d = s.sim->spikes(population);
        auto ids = as_array<uint64_t, int64_t>(std::move(d.node_ids));
        auto times = as_array(std::move(d.times));
        return py::make_tuple(ids, times);
      },
      py::arg("population"),
      R"(All spikes of a population recorded so far.

Returns (ids, times): ids int64 indices within the population, times float64 [ms],
sorted by time, then id. Under MPI complete on rank 0, empty elsewhere.)");

  cls.def(
      "traces",
      [](py_simulation& s) {
        std::vector<trace_data> all;
        {
          py::gil_scoped_release free;
          all = s.sim->traces();
        }
        py::list out;
        for (auto& t : all) {
          const auto n_t = static_cast<py::ssize_t>(t.times.size());
          const auto n_c = static_cast<py::ssize_t>(t.node_ids.size());
          py::dict d;
          d["population"] = t.population;
          d["variable"] = t.variable;
          d["unit"] = t.unit;
          d["times"] = as_array(std::move(t.times));
          d["ids"] = as_array<uint64_t, int64_t>(std::move(t.node_ids));
          d["values"] = as_array(std::move(t.values), {n_t, n_c});
          out.append(d);
        }
        return out;
      },
      R"(Every recorded variable, recorder by recorder.

Returns a list of dicts with population, variable, unit (str), times (float64[n_t], ms),
ids (int64[n_c], indices within the population) and values (float64[n_t, n_c]).
Collective under MPI (every rank calls it); complete on rank 0.)");

  cls.def(
      "spike_counts",
      [](py_simulation& s, const std::string& population) {
        return as_array<uint64_t, int64_t>(s.sim->spike_counts(population));
      },
      py::arg("population"),
      "Spikes of each cell of the population since t = 0, recorded or not (int64[size]).");

  cls.def(
      "connections",
      [](py_simulation& s, const std::string& projection) {
        std::vector<connection_data> c;
        {
          py::gil_scoped_release free;
          c = s.sim->connections(projection);
        }
        const network& net = s.sim->model();
        const myelin::projection* pr = nullptr;
        for (const auto& p : net.projections)
          if (p.label == projection) pr = &p;
        const detail::gid_layout layout(net);
        const selection_index pre(detail::resolve(net, layout, pr->pre, "pre"));
        const selection_index post(detail::resolve(net, layout, pr->post, "post"));
        std::vector<int64_t> i(c.size()), k(c.size());
        std::vector<double> w(c.size()), d(c.size());
        for (std::size_t m = 0; m < c.size(); ++m) {
          i[m] = pre(c[m].pre);
          k[m] = post(c[m].post);
          w[m] = c[m].weight;
          d[m] = c[m].delay;
        }
        py::dict out;
        out["pre"] = as_array(std::move(i));
        out["post"] = as_array(std::move(k));
        out["weight"] = as_array(std::move(w));
        out["delay"] = as_array(std::move(d));
        return out;
      },
      py::arg("projection"),
      R"(Every connection of a projection.

Returns dict(pre=int64[n], post=int64[n], weight=float64[n], delay=float64[n]): indices
within the projection's pre and post selections, weights (the current ones) in nA, uS
or mV as the target's synapses, delays in ms (whole steps). FromArrays projections keep
the order of their columns; others are sorted by (post, pre). Collective under MPI;
complete on rank 0.)");

  cls.def(
      "hnn_dipoles",
      [](py_simulation& s) {
        hnn_dipole_signals d;
        {
          py::gil_scoped_release free;
          d = hnn_dipoles(*s.sim);
        }
        py::dict out;
        out["layers"] = d.layers;
        out["dt"] = s.sim->model().dt;
        out["agg"] = as_array(std::move(d.agg));
        out["agg_smooth"] = as_array(std::move(d.agg_smooth));
        py::list layer, smooth;
        for (auto& v : d.layer) layer.append(as_array(std::move(v)));
        for (auto& v : d.layer_smooth) smooth.append(as_array(std::move(v)));
        out["layer"] = layer;
        out["layer_smooth"] = smooth;
        return out;
      },
      R"(HNN-core's dipoles of the run so far (include/myelin/hnn.hpp), the values of
dipole.csv and dipole_smooth.csv at full precision [nAm], sampled at t = k dt.

Returns dict(layers=[str] ("L2", "L5"), dt, agg=float64[n], agg_smooth=float64[n],
layer=[float64[n] per layer], layer_smooth=[...]): raw = summed per layer, baseline-
renormalised, unscaled; smooth = 30 ms Hamming window then x3000. Empty lists and arrays
for models without dipole-producing cells. Collective under MPI; complete on rank 0.)");

  cls.def(
      "electrode_array",
      [](py_simulation& s, const std::string& label) {
        electrode_data d;
        {
          py::gil_scoped_release free;
          d = s.sim->electrode_array(label);
        }
        const auto n_e = static_cast<py::ssize_t>(d.n_electrodes);
        const auto n_t = static_cast<py::ssize_t>(d.n_times);
        return as_array(std::move(d.values), {n_e, n_t});
      },
      py::arg("label"),
      R"(The extracellular potential of an electrode array of the model (its
"electrode_arrays" entry of that label), as HNN-core computes it.

Returns float64[n_electrodes, n_times] in uV: electrode e (the array's order) at
t = k dt, k = 0 .. steps run (0 at t = 0, as HNN-core writes). Bit-identical for every
number of threads and ranks. Collective under MPI (every rank calls it); complete on
rank 0. A label the model lacks is a model error naming the labels it has.)");

  cls.def(
      "summary",
      [](py_simulation& s) {
        py::list out;
        for (const auto& p : s.sim->summary()) {
          py::dict d;
          d["label"] = p.label;
          d["size"] = p.size;
          d["spike_count"] = p.spike_count;
          d["mean_rate_hz"] = p.mean_rate_hz;
          out.append(d);
        }
        return out;
      },
      "Per population: dict(label, size, spike_count (since t = 0), mean_rate_hz).");
}

}  // namespace myelin::python
