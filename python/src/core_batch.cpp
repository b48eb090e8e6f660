// myelin._core.run_batch: batches of runs (include/myelin/batch.hpp, docs/batch.md) from
// Python. The batch runs with the GIL released; the progress callback takes it.

#include <pybind11/functional.h>
#include <pybind11/stl.h>

#include <atomic>

#include "core.hpp"
#include "myelin/batch.hpp"
#include "myelin/error.hpp"

namespace myelin::python {

void bind_batch(py::module_& m) {
  m.def(
      "run_batch",
      [](const py::object& sweep, const std::string& dir, int jobs, int threads,
         const std::string& keep, bool overwrite, bool reuse, const py::object& progress) {
        namespace b = myelin::batch;
        b::sweep s =
            py::isinstance<py::dict>(sweep)
                ? b::parse_sweep(
                      py::cast<std::string>(py::module_::import("json").attr("dumps")(sweep)), "")
                : b::load_sweep(py::cast<std::string>(py::str(sweep)));
        if (keep == "nothing")
          s.keep = b::keep_mode::nothing;
        else if (keep == "all")
          s.keep = b::keep_mode::all;
        else if (keep != "summaries" && !keep.empty())
          throw model_error("keep", "expected nothing, summaries or all, got '" + keep + "'");
        else if (keep == "summaries")
          s.keep = b::keep_mode::summaries;
        std::atomic<bool> stop{false};
        std::exception_ptr failed;
        b::options o{.jobs = jobs, .threads = threads, .overwrite = overwrite, .reuse = reuse};
        o.stop = &stop;
        o.on_progress = [&](const b::progress& p) {
          py::gil_scoped_acquire hold;
          if (stop) return;
          try {
            if (PyErr_CheckSignals() != 0) throw py::error_already_set();
            if (!progress.is_none()) progress(p.done, p.total, p.failed, p.elapsed_s, p.eta_s);
          } catch (...) {  // KeyboardInterrupt or the callback's error: no further run
            failed = std::current_exception();
            stop = true;
          }
        };
        b::result r;
        std::vector<std::string> columns;
        {
          py::gil_scoped_release free;
          const b::plan p(std::move(s));
          columns = p.columns();
          r = b::run(p, dir, o);
        }
        if (failed) std::rethrow_exception(failed);
        py::list rows;
        for (const auto& row : r.rows) {
          py::dict d, values, summaries;
          for (std::size_t k = 0; k < columns.size() && k < row.values.size(); ++k)
            values[py::str(columns[k])] = py::module_::import("json").attr("loads")(row.values[k]);
          for (const auto& [name, v] : row.summaries) summaries[py::str(name)] = v;
          d["id"] = row.id;
          d["trial"] = row.trial;
          d["seed"] = row.seed;
          d["values"] = values;
          d["ok"] = row.ok;
          d["error"] = row.error;
          d["wall_s"] = row.wall_s;
          d["summaries"] = summaries;
          rows.append(d);
        }
        py::dict out;
        out["rows"] = rows;
        out["failed"] = r.failed;
        out["interrupted"] = r.interrupted;
        out["files"] = r.files;
        return out;
      },
      py::arg("sweep"), py::arg("dir"), py::arg("jobs") = 0, py::arg("threads") = 1,
      py::arg("keep") = "", py::arg("overwrite") = false, py::arg("reuse") = true,
      py::arg("progress") = py::none(),
      R"(Runs a batch (a sweep or trials, docs/batch.md) into `dir`, as `myelin batch`.

sweep: a sweep file's path, or its content as a dict (relative model paths from the
    current directory). keep: "nothing", "summaries" or "all" ("" = the sweep's own).
jobs: runs at a time (0 = every core), threads: threads per run, reuse: reset the
previous run's network instead of building anew (same results). progress: called as
progress(done, total, failed, elapsed_s, eta_s) after each run; an exception there (or
Ctrl-C) stops the batch after the runs in progress, and is raised.

Returns dict(rows=[dict(id, trial, seed, values={path: value}, ok, error, wall_s,
summaries={column: value})], failed, interrupted, files). Runs that already have a row
in `dir` are skipped; results.csv and results.h5 are written when every run has one.)");
}

}  // namespace myelin::python
