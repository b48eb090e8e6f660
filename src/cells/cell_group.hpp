#pragma once
// A cell group: all cells of one type owned by one thread, state in contiguous
// arrays (structure of arrays). Point neurons, spike sources and (later) cable cells
// are all cell groups; the engine only sees this interface. One virtual call per group
// per step; the per-cell loops inside are plain, vectorisable code.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "myelin/error.hpp"
#include "myelin/model.hpp"

namespace myelin::detail {

/// The step being taken: from t = step*dt to t = (step+1)*dt.
struct step_info {
  int64_t step;
  double dt;      // [ms]
  uint64_t seed;  // the model's seed, for keyed random streams
};

/// Inputs of one step, one value per cell of the group.
/// `exc`/`inh`: sum of the weights of the spikes arriving at this step on each receptor
/// ([nA] current-based, [uS] conductance-based, [mV] delta). They take effect at the end
/// of the step, t = (step+1)*dt, so a spike emitted with time stamp T and delay D acts
/// at exactly T + D.
/// `i_inj`: current injected by current sources during this step [nA].
struct group_input {
  double* exc;
  double* inh;
  const double* i_inj;
  /// Every receptor of the cell type, in the order of cell_type_info::receptors
  /// (receptor[0] == exc, receptor[1] == inh for point neurons); n_receptors entries. An
  /// entry is nullptr where no projection or drive can send on it (vp_state's
  /// `receives`): a kernel with several receptors skips those.
  const double* const* receptor = nullptr;
  int n_receptors = 0;
};

/// Everything a kernel needs to build its group. The build stage has already evaluated
/// scalars, arrays and distributions into one value per cell for every parameter and
/// every state variable of the cell type (names as in its cell_type_info).
struct group_init {
  std::size_t n = 0;
  std::vector<uint64_t> gids;  // global ids of the cells, ascending
  double dt = 0.1;             // [ms]
  uint64_t seed = 1;
  std::map<std::string, std::vector<double>> params;
  std::map<std::string, std::vector<double>> initial;
  std::vector<std::vector<double>> spike_times;  // SpikeSourceArray: n sorted lists [ms]
};

class cell_group {
 public:
  virtual ~cell_group() = default;

  std::size_t size() const { return n_; }
  const std::vector<uint64_t>& gids() const { return gids_; }

  /// Called before every run segment (after parameters may have changed): recompute
  /// propagators and other derived constants.
  virtual void prepare(double dt) = 0;

  /// Advance every cell by one step. Appends the local index of every cell that
  /// spiked during the step (time stamp (step+1)*dt) to `spiked`, in ascending order;
  /// a source may appear several times. `spiked` has capacity for size() entries
  /// reserved by the caller; a kernel that may emit more must not rely on that.
  virtual void advance(const step_info& s, const group_input& in,
                       std::vector<uint32_t>& spiked) = 0;

  /// True if advance() sets every value of its synaptic inputs (every receptor row) to
  /// zero after reading it, so the engine need not clear them for the next use of the
  /// ring-buffer slot (saves a pass over memory per step).
  virtual bool consumes_inputs() const { return false; }

  /// Called by the build for each variable a recorder reads from this group, before it
  /// takes the column's address: a group that keeps some columns current only on demand
  /// (cable cells' section voltages, calcium, synaptic currents) fills it from now on.
  virtual void will_record(const std::string& /*name*/) {}

  /// SpikeSourceArray: replaces each cell's spike times (n sorted lists [ms]); times at
  /// or before the end of the steps already taken are skipped. Only sources with spike
  /// times implement it (the caller checks the cell type).
  virtual void replace_spike_times(std::vector<std::vector<double>> times) {
    (void)times;
    throw internal_error("this cell type has no spike times");
  }

  /// Pointer to the n values of a state variable or parameter, nullptr if unknown.
  /// Writable: the engine changes parameters between segments and then calls prepare().
  double* column(const std::string& name) {
    auto it = index_.find(name);
    return it == index_.end() ? nullptr : columns_[it->second].data();
  }

 protected:
  explicit cell_group(const group_init& init) : n_(init.n), gids_(init.gids) {}

  /// Registers a column (copied from init.params/init.initial, which hold every name
  /// of the type) and returns its index. Kernels keep indices, not names.
  std::size_t add_column(const std::string& name, std::vector<double> values) {
    index_[name] = columns_.size();
    columns_.push_back(std::move(values));
    return columns_.size() - 1;
  }
  double* col(std::size_t i) { return columns_[i].data(); }

  /// add_column for `name` taken from init.params or init.initial; a missing name is
  /// a bug in the build stage (internal_error).
  std::size_t take(const group_init& init, const std::string& name);

  /// A zero-initialised column that is neither a parameter nor a state of the type
  /// (derived constants such as propagators, refractory counters).
  std::size_t scratch(const std::string& name) { return add_column(name, std::vector<double>(n_)); }

  std::size_t n_;
  std::vector<uint64_t> gids_;

 private:
  std::vector<std::vector<double>> columns_;
  std::map<std::string, std::size_t> index_;
};

/// Factory and metadata for one cell type. `make` may hold state (a kernel compiled from
/// equations keeps its compiled form in it).
struct cell_kernel {
  cell_type_info info;
  std::function<std::unique_ptr<cell_group>(const group_init&)> make;
};

/// The cell-type registry (src/cells/registry.cpp). The built-in kernels are in it from
/// the first use on; later code (a kernel compiled from equations, one loaded from a
/// shared object) adds its own with register_cell_kernel, from any thread, at any time
/// before a model using it is validated. Entries are never removed or moved, so the
/// pointers returned here and by find_cell_type stay valid for the life of the process.
///
/// Registers `kernel`; returns its entry. Throws myelin::error when the name is empty or
/// already registered, or `make` is empty.
const cell_kernel& register_cell_kernel(cell_kernel kernel);
/// Registers `kernel` in place of the one registered under its name, which must have
/// been registered by replace_cell_kernel too (cell types from equations, whose
/// definition a later model may change); the replaced entry stays valid. Lookups by name
/// return the newest.
const cell_kernel& replace_cell_kernel(cell_kernel kernel);
/// The kernel registered under `name`, or nullptr.
const cell_kernel* find_cell_kernel(const std::string& name);

// One pair per cell type; each lives in its own source file.
#define MYELIN_DECLARE_CELL(fn) \
  cell_type_info fn##_info();   \
  std::unique_ptr<cell_group> make_##fn(const group_init&);
MYELIN_DECLARE_CELL(if_curr_exp)
MYELIN_DECLARE_CELL(if_curr_alpha)
MYELIN_DECLARE_CELL(if_cond_exp)
MYELIN_DECLARE_CELL(if_cond_alpha)
MYELIN_DECLARE_CELL(izhikevich)
MYELIN_DECLARE_CELL(adex)
MYELIN_DECLARE_CELL(adex_alpha)
MYELIN_DECLARE_CELL(if_curr_delta)
MYELIN_DECLARE_CELL(if_cond_exp_gsfa_grr)
MYELIN_DECLARE_CELL(hh_cond_exp)
MYELIN_DECLARE_CELL(spike_source_poisson)
MYELIN_DECLARE_CELL(spike_source_array)
MYELIN_DECLARE_CELL(spike_source_gamma)
MYELIN_DECLARE_CELL(spike_source_poisson_refractory)
MYELIN_DECLARE_CELL(gif_cond_exp)
#undef MYELIN_DECLARE_CELL

/// Whether the n values at x are all equal (a group's parameter column: kernels with a
/// uniform variant then read index 0 only).
inline bool all_equal(const double* x, std::size_t n) {
  for (std::size_t c = 1; c < n; ++c)
    if (x[c] != x[0]) return false;
  return true;
}

/// The built-in cable cell types (models/cells/, src/cable/hnn_cells.hpp) as kernels.
std::vector<cell_kernel> builtin_cable_kernels();
/// The kernel of a cell type a model defines (network::cell_templates); built once per
/// distinct (name, template) and kept for the life of the process. Throws model_error
/// naming the field (under "cell_templates.<name>") for an invalid template.
const cell_kernel& template_kernel(const std::string& name, const cell_template_spec& spec);
/// The kernel of `name` in a model: its template, else the registered type; or nullptr.
const cell_kernel* find_cell_kernel(const network& net, const std::string& name);

}  // namespace myelin::detail
