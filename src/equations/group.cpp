// The cell group of a type compiled from equations: its columns bound to the type's
// programs, one interpreter pass per step over all cells, then receptor inputs, spikes
// and resets in Brian2's order (state update, threshold, synapses, reset).

#include <algorithm>
#include <array>
#include <cmath>

#include "equations/cell_type.hpp"

namespace myelin::detail::eq {
namespace {

class equation_group final : public cell_group {
 public:
  equation_group(std::shared_ptr<const compiled_type> type, const group_init& init)
      : cell_group(init), type_(std::move(type)) {
    const compiled_type& ct = *type_;
    const std::size_t n_cols = ct.column_names.size();
    index_.assign(n_cols, 0);
    for (int k = 0; k < ct.n_states + ct.n_params; ++k) index_[k] = take(init, ct.column_names[k]);
    for (std::size_t k = ct.n_states + ct.n_params; k < n_cols; ++k) {
      const std::string& name = ct.column_names[k];
      if (static_cast<int>(k) == ct.col_current || static_cast<int>(k) == ct.col_t ||
          static_cast<int>(k) == ct.col_dt)
        continue;
      index_[k] = scratch(name);
    }
    if (ct.col_lastspike >= 0) std::fill_n(col(index_[ct.col_lastspike]), n_, -1e9);
    if (ct.col_nr >= 0) std::fill_n(col(index_[ct.col_nr]), n_, 1.0);
    for (const auto& r : ct.sys.receptors) {
      receptor_col_.push_back(index_[ct.column_of_symbol[r.rise >= 0 ? r.rise : r.var]]);
      receptor_scale_.push_back(r.rise >= 0 ? M_E : 1.0);
    }
    step_scratch_.assign(ct.step.scratch_size(), 0.0);
    ct.step.init_scratch(step_scratch_.data());
    reset_scratch_.assign(ct.reset.scratch_size(), 0.0);
    ct.reset.init_scratch(reset_scratch_.data());
    t_.fill(0.0);
    dt_.fill(0.0);
    bind();
    compiled_ = ct.compiled_step();
  }

  void prepare(double h) override {
    dt_.fill(h);
    // The sample at t = 0 is taken after this, and the state or parameters may have been
    // set since the network was built.
    if (subs_on_ && !stepped_) fill_subexpressions();
    const compiled_type& ct = *type_;
    if (ct.col_coef.empty()) return;
    // The exact method's propagators from this segment's parameters, per cell.
    std::vector<double> scratch(ct.coefficients.scratch_size());
    ct.coefficients.init_scratch(scratch.data());
    ct.coefficients.run(cols_.data(), 0, n_, scratch.data());
    const int m = ct.n_states;
    std::vector<double> a(m * m), e(m * m), g(m * m);
    for (std::size_t c = 0; c < n_; ++c) {
      for (int k = 0; k < m * m; ++k) a[k] = cols_[ct.col_coef[k]].data[c];
      propagators(m, a.data(), h, e.data(), g.data());
      for (int k = 0; k < m * m; ++k) {
        cols_[ct.col_prop_e[k]].data[c] = e[k];
        cols_[ct.col_prop_g[k]].data[c] = g[k];
      }
    }
  }

  void advance(const step_info& s, const group_input& in, std::vector<uint32_t>& spiked) override {
    const compiled_type& ct = *type_;
    const double t = static_cast<double>(s.step) * s.dt;
    t_.fill(t);
    if (ct.col_current >= 0) {
      cols_[ct.col_current].data = const_cast<double*>(in.i_inj);  // read only
      raw_[ct.col_current] = cols_[ct.col_current].data;
    }
    if (compiled_)
      compiled_(raw_.data(), 0, n_);
    else
      ct.step.run(cols_.data(), 0, n_, step_scratch_.data());
    // Synaptic input of this step (it acts at the end of the step).
    const std::size_t n_in = in.receptor ? static_cast<std::size_t>(in.n_receptors) : 0;
    for (std::size_t r = 0; r < receptor_col_.size() && r < n_in; ++r) {
      double* g = col(receptor_col_[r]);
      const double* w = in.receptor[r];
      if (receptor_scale_[r] == 1.0) {
        for (std::size_t c = 0; c < n_; ++c) g[c] += w[c];
      } else {
        const double f = receptor_scale_[r];
        for (std::size_t c = 0; c < n_; ++c) g[c] += f * w[c];
      }
    }
    if (ct.col_spike >= 0) spikes_and_resets(t, spiked);
    stepped_ = true;
    if (subs_on_) {
      // From the state at the end of the step, where its sample is stamped.
      t_.fill(static_cast<double>(s.step + 1) * s.dt);
      fill_subexpressions();
    }
  }

  void will_record(const std::string& name) override {
    const compiled_type& ct = *type_;
    for (int c : ct.col_sub)
      if (ct.column_names[c] == name) subs_on_ = true;  // filled from prepare() on
  }

 private:
  // The subexpressions from the present state (and the current of the last step; none
  // before the first).
  void fill_subexpressions() {
    const compiled_type& ct = *type_;
    if (ct.col_current >= 0 && !cols_[ct.col_current].data) {
      if (no_current_.size() != n_) no_current_.assign(n_, 0.0);
      cols_[ct.col_current].data = no_current_.data();
    }
    if (sub_scratch_.empty()) {
      sub_scratch_.assign(ct.subexpressions.scratch_size(), 0.0);
      ct.subexpressions.init_scratch(sub_scratch_.data());
    }
    ct.subexpressions.run(cols_.data(), 0, n_, sub_scratch_.data());
  }

  void spikes_and_resets(double t, std::vector<uint32_t>& spiked) {
    const compiled_type& ct = *type_;
    const double* spike = cols_[ct.col_spike].data;
    double* last = ct.col_lastspike >= 0 ? cols_[ct.col_lastspike].data : nullptr;
    double* nr = ct.col_nr >= 0 ? cols_[ct.col_nr].data : nullptr;
    const bool resets = ct.reset.instructions() > 0;
    for (std::size_t c = 0; c < n_; ++c) {
      if (spike[c] == 0) continue;
      spiked.push_back(static_cast<uint32_t>(c));
      if (last) last[c] = t;
      if (nr) nr[c] = 0.0;
      if (resets) ct.reset.run(cols_.data(), c, c + 1, reset_scratch_.data());
    }
  }

  void bind() {
    const compiled_type& ct = *type_;
    cols_.assign(ct.column_names.size(), column_ref{});
    for (std::size_t k = 0; k < cols_.size(); ++k) {
      if (static_cast<int>(k) == ct.col_t) {
        cols_[k] = {t_.data(), true};
      } else if (static_cast<int>(k) == ct.col_dt) {
        cols_[k] = {dt_.data(), true};
      } else if (static_cast<int>(k) != ct.col_current) {
        cols_[k] = {col(index_[k]), false};
      }
    }
    raw_.resize(cols_.size());
    for (std::size_t k = 0; k < cols_.size(); ++k) raw_[k] = cols_[k].data;
  }

  std::shared_ptr<const compiled_type> type_;
  std::vector<std::size_t> index_;  // program column -> group column
  std::vector<column_ref> cols_;
  std::vector<double*> raw_;  // the same, for the compiled step
  step_fn compiled_ = nullptr;
  std::vector<std::size_t> receptor_col_;
  std::vector<double> receptor_scale_;
  std::vector<double> step_scratch_, reset_scratch_;
  std::array<double, block> t_, dt_;  // uniform columns: the same value in every lane
  bool subs_on_ = false;              // a subexpression is recorded: fill them every step
  bool stepped_ = false;              // a step has been taken (the t = 0 sample is past)
  std::vector<double> no_current_;    // the current before the first step
  std::vector<double> sub_scratch_;   // the subexpressions program's registers
};

}  // namespace

std::unique_ptr<cell_group> make_equation_group(std::shared_ptr<const compiled_type> type,
                                                const group_init& init) {
  return std::make_unique<equation_group>(std::move(type), init);
}

}  // namespace myelin::detail::eq
