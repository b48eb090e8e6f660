// The cell-type registry: the built-in kernels, filled in on first use, and any kernel
// registered later (register_cell_kernel). Lookups take a shared lock; registration an
// exclusive one. Entries live in a deque, which never moves its elements, so pointers
// into it stay valid while others are added.

#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <shared_mutex>

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

namespace {

class kernel_registry {
 public:
  kernel_registry() {
    const std::pair<cell_type_info (*)(), std::unique_ptr<cell_group> (*)(const group_init&)>
        built_in[] = {
            {if_curr_exp_info, make_if_curr_exp},
            {if_curr_alpha_info, make_if_curr_alpha},
            {if_cond_exp_info, make_if_cond_exp},
            {if_cond_alpha_info, make_if_cond_alpha},
            {izhikevich_info, make_izhikevich},
            {adex_info, make_adex},
            {hh_cond_exp_info, make_hh_cond_exp},
            {spike_source_poisson_info, make_spike_source_poisson},
            {spike_source_array_info, make_spike_source_array},
            {if_curr_delta_info, make_if_curr_delta},
            {if_cond_exp_gsfa_grr_info, make_if_cond_exp_gsfa_grr},
            {adex_alpha_info, make_adex_alpha},
            {spike_source_gamma_info, make_spike_source_gamma},
            {spike_source_poisson_refractory_info, make_spike_source_poisson_refractory},
            {gif_cond_exp_info, make_gif_cond_exp},
        };
    for (const auto& [info, make] : built_in) add({info(), make});
    for (cell_kernel& k : builtin_cable_kernels()) add(std::move(k));
  }

  const cell_kernel& add(cell_kernel k) {
    if (k.info.name.empty()) throw error("register_cell_kernel: the cell type has no name");
    if (!k.make)
      throw error("register_cell_kernel: cell type '" + k.info.name + "' has no factory");
    std::unique_lock lock(mutex_);
    if (by_name_.count(k.info.name))
      throw error("register_cell_kernel: cell type '" + k.info.name +
                  "' is already registered; choose another name");
    const cell_kernel& entry = kernels_.emplace_back(std::move(k));
    by_name_.emplace(entry.info.name, &entry);
    return entry;
  }

  const cell_kernel& replace(cell_kernel k) {
    std::unique_lock lock(mutex_);
    auto it = by_name_.find(k.info.name);
    if (it != by_name_.end() && !replaceable_.count(k.info.name))
      throw error("register_cell_kernel: cell type '" + k.info.name +
                  "' is built in or fixed; choose another name");
    if (!k.make)
      throw error("register_cell_kernel: cell type '" + k.info.name + "' has no factory");
    const cell_kernel& entry = kernels_.emplace_back(std::move(k));
    by_name_[entry.info.name] = &entry;
    replaceable_.insert(entry.info.name);
    return entry;
  }

  const cell_kernel* find(const std::string& name) const {
    std::shared_lock lock(mutex_);
    const auto it = by_name_.find(name);
    return it == by_name_.end() ? nullptr : it->second;
  }

  std::vector<cell_type_info> infos() const {
    std::shared_lock lock(mutex_);
    std::vector<cell_type_info> v;
    v.reserve(kernels_.size());
    for (const auto& k : kernels_) v.push_back(k.info);
    return v;
  }

 private:
  mutable std::shared_mutex mutex_;
  std::deque<cell_kernel> kernels_;  // registration order: built-ins first
  std::map<std::string, const cell_kernel*, std::less<>> by_name_;
  std::set<std::string> replaceable_;  // names registered through replace()
};

kernel_registry& registry() {
  static kernel_registry r;  // thread-safe initialisation (C++11 magic statics)
  return r;
}

}  // namespace

const cell_kernel& register_cell_kernel(cell_kernel kernel) {
  return registry().add(std::move(kernel));
}

const cell_kernel& replace_cell_kernel(cell_kernel kernel) {
  return registry().replace(std::move(kernel));
}

const cell_kernel* find_cell_kernel(const std::string& name) {
  return registry().find(name);
}

const cell_kernel* find_cell_kernel(const network& net, const std::string& name) {
  if (const auto it = net.cell_templates.find(name); it != net.cell_templates.end())
    return &template_kernel(name, it->second);
  return find_cell_kernel(name);
}

}  // namespace myelin::detail

namespace myelin {

std::vector<cell_type_info> cell_types() {
  return detail::registry().infos();
}

const cell_type_info* find_cell_type(const std::string& name) {
  const detail::cell_kernel* k = detail::find_cell_kernel(name);
  return k ? &k->info : nullptr;
}

const cell_type_info* find_cell_type(const network& net, const std::string& name) {
  const detail::cell_kernel* k = detail::find_cell_kernel(net, name);
  return k ? &k->info : nullptr;
}

int receptor_index(const cell_type_info& type, const std::string& receptor) {
  for (std::size_t r = 0; r < type.receptors.size(); ++r)
    if (type.receptors[r] == receptor) return static_cast<int>(r);
  return -1;
}

}  // namespace myelin
