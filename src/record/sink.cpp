// The in-memory sink.

#include "record/sink.hpp"

namespace myelin::detail {

std::string trace_dataset_name(std::map<std::string, int>& seen, const std::string& population,
                               const std::string& variable) {
  // Keys built by append: GCC 12 warns falsely (-Wrestrict) on string + "/" + string.
  std::string key = population;
  key.append(1, '/').append(variable);
  std::string name = variable;
  const int n_seen = seen[key]++;
  if (n_seen > 0) name.append(1, '_').append(std::to_string(n_seen));
  return name;
}

void memory_sink::declare(const std::vector<std::string>& populations,
                          const std::vector<trace_table_info>& tables) {
  spikes_.assign(populations.size(), {});
  traces_.clear();
  for (const auto& t : tables) {
    trace_data td;
    td.population = t.population;
    td.variable = t.variable;
    td.unit = t.unit;
    td.node_ids = t.node_ids;
    traces_.push_back(std::move(td));
  }
}

void memory_sink::append_spikes(std::size_t population, const double* times,
                                const uint64_t* node_ids, std::size_t n) {
  spike_data& s = spikes_[population];
  s.times.insert(s.times.end(), times, times + n);
  s.node_ids.insert(s.node_ids.end(), node_ids, node_ids + n);
}

void memory_sink::append_samples(std::size_t table, const double* times, const double* values,
                                 std::size_t n) {
  trace_data& t = traces_[table];
  t.times.insert(t.times.end(), times, times + n);
  t.values.insert(t.values.end(), values, values + n * t.node_ids.size());
}

}  // namespace myelin::detail
