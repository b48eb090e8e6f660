#include "cells/cell_group.hpp"
#include "myelin/error.hpp"

namespace myelin::detail {

std::size_t cell_group::take(const group_init& init, const std::string& name) {
  if (auto it = init.params.find(name); it != init.params.end())
    return add_column(name, it->second);
  if (auto it = init.initial.find(name); it != init.initial.end())
    return add_column(name, it->second);
  throw internal_error("cell group built without values for '" + name + "'");
}

const std::vector<cell_kernel>& cell_kernels() {
  static const std::vector<cell_kernel> kernels{
      {if_curr_exp_info, make_if_curr_exp},
      {if_curr_alpha_info, make_if_curr_alpha},
      {if_cond_exp_info, make_if_cond_exp},
      {if_cond_alpha_info, make_if_cond_alpha},
      {izhikevich_info, make_izhikevich},
      {adex_info, make_adex},
      {hh_cond_exp_info, make_hh_cond_exp},
      {spike_source_poisson_info, make_spike_source_poisson},
      {spike_source_array_info, make_spike_source_array},
      {hnn_l2_basket_info, make_hnn_l2_basket},
      {hnn_l2_pyramidal_info, make_hnn_l2_pyramidal},
      {hnn_l5_basket_info, make_hnn_l5_basket},
      {hnn_l5_pyramidal_info, make_hnn_l5_pyramidal},
  };
  return kernels;
}

const cell_kernel* find_cell_kernel(const std::string& name) {
  static const auto infos = [] {
    std::vector<std::pair<std::string, const cell_kernel*>> v;
    for (const auto& k : cell_kernels()) v.emplace_back(k.info().name, &k);
    return v;
  }();
  for (const auto& [n, k] : infos)
    if (n == name) return k;
  return nullptr;
}

}  // namespace myelin::detail

namespace myelin {

const std::vector<cell_type_info>& cell_types() {
  static const auto types = [] {
    std::vector<cell_type_info> v;
    for (const auto& k : detail::cell_kernels()) v.push_back(k.info());
    return v;
  }();
  return types;
}

const cell_type_info* find_cell_type(const std::string& name) {
  for (const auto& t : cell_types())
    if (t.name == name) return &t;
  return nullptr;
}

int receptor_index(const cell_type_info& type, const std::string& receptor) {
  for (std::size_t r = 0; r < type.receptors.size(); ++r)
    if (type.receptors[r] == receptor) return static_cast<int>(r);
  return -1;
}

}  // namespace myelin
