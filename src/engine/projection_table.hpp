#pragma once
// Connection tables: the connections of one projection that end on one VP's cells.

#include <cstdint>
#include <vector>

namespace myelin::detail {

/// How a table's synapses act on a spike. Delivery (delivery.cpp) switches on it once
/// per table and spike, never per connection: each kind has its own loop there. Kinds
/// with state per synapse (Tsodyks-Markram's u and x, STDP's traces) keep it in columns
/// of the table, one value per entry of `targets`, in the same order.
enum class synapse_kind : uint8_t {
  static_synapse,  ///< a fixed weight, added to the target's input after the delay
};

/// The connections of one projection that end on this VP's cells, indexed by the
/// presynaptic gid (compressed sparse rows over the gid range [pre_lo, pre_hi)).
/// Within a row, targets are in canonical order (ascending target, then generation
/// order), which makes the summation order of inputs independent of the layout.
/// Homogeneous weights/delays are stored once, not per synapse.
struct projection_table {
  uint32_t projection = 0;
  synapse_kind kind = synapse_kind::static_synapse;
  int receptor = 0;  // index in the target cell type's receptor list
  uint64_t pre_lo = 0, pre_hi = 0;
  std::vector<uint64_t> offsets;  // pre_hi - pre_lo + 1 entries
  std::vector<uint32_t> targets;  // VP-local cell index
  std::vector<double> weights;    // per synapse, or empty: `weight` for all
  std::vector<uint32_t> delays;   // per synapse [steps], or empty: `delay` for all
  double weight = 0.0;
  uint32_t delay = 1;
  uint32_t min_delay = UINT32_MAX, max_delay = 0;
  bool contiguous_rows = false;  // every row's targets are t, t+1, t+2, ...

  std::size_t size() const { return targets.size(); }
  std::size_t bytes() const {
    return offsets.capacity() * sizeof(uint64_t) + targets.capacity() * sizeof(uint32_t) +
           weights.capacity() * sizeof(double) + delays.capacity() * sizeof(uint32_t);
  }
};

}  // namespace myelin::detail
