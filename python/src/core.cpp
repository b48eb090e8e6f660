// myelin._core: the C++ simulation API for Python (pybind11). The Pythonic layer is
// python/myelin/ (myelin.Simulation wraps this module's Simulation). Errors of the
// engine become myelin.ModelError (a ValueError, for invalid models and arguments; its
// `field` is the JSON path named in the message) or myelin.Error (a RuntimeError), with
// the C++ messages. The GIL is released while the engine builds, runs and writes.

#include <pybind11/stl.h>

#include "cable/cell_template.hpp"
#include "cable/hnn_cells.hpp"
#include "cable/morphology.hpp"
#include "core.hpp"
#include "model/json_templates.hpp"
#include "myelin/catalogue.hpp"
#include "myelin/error.hpp"
#include "myelin/model.hpp"

namespace myelin::python {
namespace {

std::vector<double> doubles(const py::handle& v) {
  auto a = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(v);
  if (!a) throw py::type_error("expected a number or a sequence of numbers");
  if (a.ndim() > 1) throw py::type_error("expected a number or a 1-D array of numbers");
  return std::vector<double>(a.data(), a.data() + a.size());
}

std::vector<int64_t> integers(const py::handle& v, const std::string& field) {
  auto a = py::array::ensure(v);
  if (!a || a.ndim() != 1 || (a.size() > 0 && a.dtype().kind() != 'i' && a.dtype().kind() != 'u'))
    throw model_error(field, "expected a 1-D array of integers");
  auto i = py::array_t<int64_t, py::array::c_style | py::array::forcecast>::ensure(a);
  return std::vector<int64_t>(i.data(), i.data() + i.size());
}

// Puts arrays[label] = {pre, post, weight, delay} into the FromArrays projections.
void take_arrays(network& net, const py::dict& arrays) {
  for (const auto& [key, value] : arrays) {
    const auto label = py::cast<std::string>(key);
    std::size_t j = net.projections.size();
    for (std::size_t i = 0; i < net.projections.size(); ++i)
      if (net.projections[i].label == label) j = i;
    if (j == net.projections.size())
      throw model_error("arrays", "no projection labelled '" + label + "'");
    projection& pr = net.projections[j];
    const std::string f = "projections[" + std::to_string(j) + "]";
    if (pr.conn.type != "FromArrays")
      throw model_error(f + ".connector.type", "arrays given for projection '" + label +
                                                   "', whose connector is " + pr.conn.type +
                                                   ", not FromArrays");
    const auto cols = py::cast<py::dict>(value);
    for (const auto& [k, v] : cols) {
      const auto name = py::cast<std::string>(k);
      if (name != "pre" && name != "post" && name != "weight" && name != "delay")
        throw model_error(f + ".connector." + name,
                          "unknown column (allowed: pre, post, weight, delay)");
    }
    connector& c = pr.conn;
    if (cols.contains("pre")) c.pre = integers(cols["pre"], f + ".connector.pre");
    if (cols.contains("post")) c.post = integers(cols["post"], f + ".connector.post");
    for (const char* name : {"weight", "delay"}) {
      if (!cols.contains(name)) continue;
      py::object v = cols[name];
      value_spec& scalar = std::string(name) == "weight" ? pr.weight : pr.delay;
      std::vector<double>& column = std::string(name) == "weight" ? c.weights : c.delays;
      if (py::isinstance<py::float_>(v) || py::isinstance<py::int_>(v)) {
        scalar = py::cast<double>(v);
        column.clear();
      } else {
        column = doubles(v);
      }
    }
  }
}

std::string model_text(const py::object& model) {
  if (py::isinstance<py::str>(model)) return py::cast<std::string>(model);
  if (py::isinstance<py::dict>(model))
    return py::cast<std::string>(py::module_::import("json").attr("dumps")(model));
  throw py::type_error("model must be a JSON str or a dict");
}

py::dict info_dict(const std::vector<parameter_info>& list) {
  py::dict d;
  for (const auto& p : list) d[py::str(p.name)] = py::make_tuple(p.default_value, p.unit);
  return d;
}

// {mechanism: {parameter: one value per segment}} of a section as the engine evaluated
// its template (constants, per-segment lists and expressions of the path distance alike),
// parameters named as template_mechanisms() lists them.
py::dict density_dict(const myelin::detail::section_mechanisms& m, int nseg) {
  using myelin::detail::density;
  const auto per_segment = [nseg](const density& d) {
    std::vector<double> out(static_cast<std::size_t>(nseg));
    for (int k = 0; k < nseg; ++k) out[static_cast<std::size_t>(k)] = d.at(k);
    return out;
  };
  py::dict out;
  for (const myelin::detail::mechanism_info& info : myelin::detail::template_mechanisms()) {
    std::vector<const density*> values;
    const std::string& n = info.name;
    if (n == "hh2" && m.hh2) values = {&m.hh2->gnabar, &m.hh2->gkbar, &m.hh2->gl, &m.hh2->el};
    if (n == "pas" && m.pas) values = {&m.pas->g, &m.pas->e};
    using one = std::pair<const char*, const std::optional<density>*>;
    const one single[] = {{"km", &m.km},   {"ca", &m.ca},   {"cad", &m.cad},
                          {"kca", &m.kca}, {"cat", &m.cat}, {"ar", &m.ar}};
    for (const auto& [name, d] : single)
      if (n == name && d->has_value()) values = {&d->value()};
    if (values.empty()) continue;
    py::dict params;
    for (std::size_t j = 0; j < values.size(); ++j)
      params[py::str(info.params[j].name)] = per_segment(*values[j]);
    out[py::str(n)] = params;
  }
  return out;
}

}  // namespace
}  // namespace myelin::python

using namespace myelin::python;
using myelin::simulation;

PYBIND11_MODULE(_core, m) {
  m.doc() = R"(myelin._core: the compiled engine (pybind11 binding of include/myelin/).

Simulation builds a network from a JSON model (docs/model-file.md) and runs it in
segments; results come back as NumPy arrays. Use the package myelin (myelin.Simulation)
rather than this module directly.)";

  static py::exception<myelin::error> error_type(m, "Error", PyExc_RuntimeError);
  static py::exception<myelin::model_error> model_error_type(m, "ModelError", PyExc_ValueError);
  error_type.doc() = "An engine error (file, memory or run-time failure); a RuntimeError.";
  model_error_type.doc() =
      "An invalid model or argument; a ValueError. `field` is the JSON path it names.";
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const myelin::model_error& e) {
      const py::object type = model_error_type;  // (calling the exception itself sets it)
      py::object inst = type(e.what());
      inst.attr("field") = e.field();
      PyErr_SetObject(model_error_type.ptr(), inst.ptr());
    } catch (const myelin::error& e) {
      PyErr_SetString(error_type.ptr(), e.what());
    }
  });

  py::class_<py_simulation> cls(m, "Simulation", R"(A built network, ready to run in segments.

Simulation(model, threads=0, arrays=None, max_record_memory=0.0)

model: the JSON model as a str, or a dict (json-dumped).
threads: worker threads (0 = every core).
arrays: {projection label: {"pre": int64[n], "post": int64[n], "weight": float64[n] or
    float, "delay": float64[n] or float}} for projections whose connector is
    {"type": "FromArrays"}: indices within the pre and post selections, weights in
    nA/uS (mV for delta synapses), delays in ms (at least one step).
max_record_memory: bytes the recorders may use (0 = half the physical memory).

Raises myelin.ModelError (ValueError) naming the JSON path of an invalid field.)");
  cls.def(py::init([](const py::object& model, int threads, const py::object& arrays,
                      double max_record_memory) {
            myelin::network net = myelin::network_from_json_text(model_text(model));
            if (!arrays.is_none()) take_arrays(net, py::cast<py::dict>(arrays));
            py::gil_scoped_release free;
            auto s = std::make_unique<py_simulation>();
            s->sim = std::make_unique<simulation>(
                std::move(net),
                myelin::run_options{.threads = threads, .max_record_memory = max_record_memory});
            return s;
          }),
          py::arg("model"), py::arg("threads") = 0, py::arg("arrays") = py::none(),
          py::arg("max_record_memory") = 0.0);

  cls.def(
      "run",
      [](py_simulation& s, double duration) {
        py::gil_scoped_release free;
        s.sim->run(duration);
      },
      py::arg("duration_ms"),
      "Advances by duration_ms (a whole number of steps); other Python threads run meanwhile.");
  cls.def(
      "run_until",
      [](py_simulation& s, double t) {
        py::gil_scoped_release free;
        s.sim->run(t - s.sim->time());
      },
      py::arg("t_ms"), "Advances to time t_ms [ms].");
  cls.def_property_readonly(
      "time", [](const py_simulation& s) { return s.sim->time(); }, "Current time [ms].");
  cls.def_property_readonly(
      "dt", [](const py_simulation& s) { return s.sim->model().dt; }, "Time step [ms].");
  cls.def_property_readonly(
      "threads", [](const py_simulation& s) { return s.sim->threads(); }, "Threads of this rank.");
  cls.def_property_readonly(
      "ranks", [](const py_simulation& s) { return s.sim->ranks(); }, "MPI ranks (1 without MPI).");
  cls.def_property_readonly(
      "rank", [](const py_simulation& s) { return s.sim->rank(); }, "This process's MPI rank.");
  cls.def_property_readonly(
      "min_delay", [](const py_simulation& s) { return s.sim->min_delay(); },
      "Shortest connection delay [ms] (dt without connections).");
  cls.def_property_readonly(
      "max_delay", [](const py_simulation& s) { return s.sim->max_delay(); },
      "Longest connection delay [ms] (dt without connections).");
  cls.def_property_readonly(
      "synapse_count", [](const py_simulation& s) { return s.sim->synapse_count(); },
      "Connections of the whole network.");
  cls.def(
      "connection_count",
      [](const py_simulation& s, const std::string& projection) {
        return s.sim->connection_count(projection);
      },
      py::arg("projection"),
      "Connections of one projection on all ranks, without reading them (cheap).");
  cls.def_property_readonly(
      "build_seconds", [](const py_simulation& s) { return s.sim->build_seconds(); },
      "Wall time of the network's construction [s].");
  cls.def_property_readonly(
      "run_seconds", [](const py_simulation& s) { return s.sim->run_seconds(); },
      "Wall time of all run segments so far [s].");
  cls.def(
      "model_json",
      [](const py_simulation& s) { return myelin::network_to_json_text(s.sim->model(), -1); },
      "The model as run (HNN drives expanded), as compact JSON text.");

  cls.def(
      "set_population_param",
      [](py_simulation& s, const std::string& pop, const std::string& name, const py::object& v) {
        s.sim->set_population_param(pop, name, doubles(v));
      },
      py::arg("population"), py::arg("name"), py::arg("value"),
      R"(Sets a parameter (PyNN name and unit, e.g. "i_offset", "tau_m", "rate") of a
population: a float for every cell, or a float64 array with one value per cell. Acts
from the next run segment.)");
  cls.def(
      "set_state",
      [](py_simulation& s, const std::string& pop, const std::string& name, const py::object& v) {
        s.sim->set_state(pop, name, doubles(v));
      },
      py::arg("population"), py::arg("name"), py::arg("values"),
      "Sets a state variable (e.g. \"v\" [mV]) now: a float for every cell, or one per cell.");
  cls.def(
      "set_spike_times",
      [](py_simulation& s, const std::string& pop, const py::iterable& lists) {
        std::vector<std::vector<double>> t;
        for (const auto& l : lists) t.push_back(doubles(l));
        s.sim->set_spike_times(pop, t);
      },
      py::arg("population"), py::arg("times"),
      R"(SpikeSourceArray: one array of spike times [ms] per cell (or one for all).
Spikes at or before the current time are ignored.)");
  cls.def(
      "set_stimulus_param",
      [](py_simulation& s, const std::string& stim, const std::string& name, double v) {
        s.sim->set_stimulus_param(stim, name, v);
      },
      py::arg("stimulus"), py::arg("name"), py::arg("value"),
      "Changes a scalar parameter of a current source, e.g. (\"drive\", \"amplitude\", 0.3).");
  cls.def(
      "set_stimulus_steps",
      [](py_simulation& s, const std::string& stim, const py::object& times,
         const py::object& amplitudes) {
        s.sim->set_stimulus_steps(stim, doubles(times), doubles(amplitudes));
      },
      py::arg("stimulus"), py::arg("times"), py::arg("amplitudes"),
      "StepCurrentSource: new change times [ms] (increasing) and amplitudes [nA].");
  cls.def(
      "set_connection_param",
      [](py_simulation& s, const std::string& proj, const std::string& name, const py::object& v) {
        std::vector<double> values = doubles(v);
        py::gil_scoped_release free;
        s.sim->set_connection_param(proj, name, values);
      },
      py::arg("projection"), py::arg("name"), py::arg("values"),
      R"("weight" or "delay" [ms] of every connection, one value per connection in the
order of connections(projection). Delays may not fall below min_delay.)");
  cls.def(
      "set_recording",
      [](py_simulation& s, const std::string& rec, bool on) { s.sim->set_recording(rec, on); },
      py::arg("recorder"), py::arg("on"), "Switches a recorder on or off for the next segments.");
  cls.def(
      "write_outputs",
      [](py_simulation& s, const std::string& dir) {
        py::gil_scoped_release free;
        s.sim->write_outputs(dir);
      },
      py::arg("dir"),
      "Writes spikes.h5, traces.h5 and summary.json (as `myelin run -o dir`) atomically.");
  bind_results(cls);
  bind_batch(m);

  m.def(
      "cell_types",
      [] {
        py::dict out;
        for (const auto& t : myelin::cell_types()) {
          py::dict d;
          d["params"] = info_dict(t.params);
          d["initial"] = info_dict(t.state);
          d["recordable"] = t.recordable;
          d["synapses"] = t.synapse_kind;
          d["receptors"] = t.receptors;
          out[py::str(t.name)] = d;
        }
        return out;
      },
      R"(Every cell type: {name: dict(params={name: (default, unit)}, initial={name:
(default, unit)}, recordable=[...], synapses="current"|"conductance"|"delta"|"none",
receptors=[...])}.)");
  m.def(
      "builtin_cell_template_json",
      [](const std::string& type) {
        for (const auto& [name, spec] : myelin::detail::builtin_cell_templates())
          if (name == type)
            return myelin::detail::cell_templates_to_json({{name, spec}})[name].dump();
        throw myelin::model_error("type", "'" + type + "' is not a built-in cell template");
      },
      py::arg("type"),
      R"(A built-in multi-compartment cell type as cell-template JSON text (docs/cable.md,
"Cell templates"): edit it and give it to a model's "cell_templates" under a new name.)");
  m.def(
      "cable_template",
      [](const std::string& type) {
        const myelin::detail::cable_template t = myelin::detail::hnn_cell_template(type);
        const myelin::detail::cable_tree tree = myelin::detail::discretise(t.sections);
        py::list sections;
        for (std::size_t i = 0; i < t.sections.size(); ++i) {
          const myelin::detail::cable_section& s = t.sections[i];
          const myelin::detail::section_mechanisms& mech = t.mechanisms[i];
          py::list mechs;
          const std::pair<const char*, bool> present[] = {
              {"hh2", mech.hh2.has_value()}, {"km", mech.km.has_value()},
              {"ca", mech.ca.has_value()},   {"cad", mech.cad.has_value()},
              {"kca", mech.kca.has_value()}, {"cat", mech.cat.has_value()},
              {"ar", mech.ar.has_value()},   {"pas", mech.pas.has_value()}};
          for (const auto& [name, has] : present)
            if (has) mechs.append(name);
          py::dict d;
          d["name"] = s.name;
          d["L"] = s.length;
          d["diam"] = s.diam;
          d["Ra"] = s.ra;
          d["cm"] = s.cm;
          d["parent"] = s.parent < 0 ? py::object(py::none())
                                     : py::object(py::str(t.sections[s.parent].name));
          d["parent_x"] = s.parent_x;
          d["p0"] = py::make_tuple(s.p0[0], s.p0[1], s.p0[2]);
          d["p1"] = py::make_tuple(s.p1[0], s.p1[1], s.p1[2]);
          d["v0"] = t.v0[i];
          d["mechanisms"] = mechs;
          d["nseg"] = tree.nseg[i];
          d["densities"] = density_dict(mech, tree.nseg[i]);
          sections.append(d);
        }
        py::list synapses;
        for (const myelin::detail::synapse_spec& syn : t.synapses) {
          py::dict d;
          d["name"] = syn.name;
          d["section"] = t.sections[syn.section].name;
          d["x"] = syn.x;
          d["tau1"] = syn.tau1;
          d["tau2"] = syn.tau2;
          d["e"] = syn.e;
          synapses.append(d);
        }
        py::dict out;
        out["sections"] = sections;
        out["synapses"] = synapses;
        out["soma"] = t.sections[t.soma].name;
        out["dipole"] = t.dipole;
        return out;
      },
      py::arg("type"),
      R"(The template of a built-in cable cell type (HNN's cells; docs/cable.md) as the
engine holds it: sections [{name, L, diam, Ra, cm, parent, parent_x, p0, p1 (3D end
points, um), v0, mechanisms, nseg, densities: {mechanism: {parameter: one value per
segment, as the engine evaluated them}}], synapses [{name, section, x, tau1, tau2, e}],
soma, dipole.
ModelError naming the type if it has no template.)");
  // MPI for the life of the module, when the process was started by mpirun or srun
  // (every simulation is then distributed over MPI_COMM_WORLD); finalised at exit.
  static std::unique_ptr<myelin::mpi_session> mpi;
  mpi = std::make_unique<myelin::mpi_session>(nullptr, nullptr);
  py::module_::import("atexit").attr("register")(py::cpp_function([] { mpi.reset(); }));
  m.def(
      "mpi_rank", [] { return mpi ? mpi->rank() : 0; },
      "This process's rank in MPI_COMM_WORLD (0 when not started by mpirun).");
  m.def(
      "mpi_size", [] { return mpi ? mpi->size() : 1; },
      "Processes in MPI_COMM_WORLD (1 when not started by mpirun).");
  m.def("version", &myelin::version, "The engine's version, e.g. \"0.1.0\".");
  m.def("built_with_mpi", &myelin::mpi_session::built_with_mpi,
        "Whether the engine was built with MPI.");
}
