#pragma once
// A population of cable cells that share one template (morphology, mechanisms,
// synapses), advanced together with NEURON's fixed-step scheme (secondorder = 0):
//
//   1. membrane currents and their conductances at v(t) (channels with the present
//      gates, eca from the present cai, synapses with g = B - A, injected current);
//   2. backward-Euler solve of the cable equation for v(t + dt) by Hines elimination;
//   3. gates, calcium and synaptic decay over dt by exact exponential integration
//      (cnexp) with the rates at v(t + dt);
//   4. synaptic events of the step: A += w f, B += w f (so they act from the next step);
//   5. spike detection: soma(0.5) crossing the threshold upwards.
//
// State is structure of arrays with the cell index innermost: v, rhs and d of (node i,
// cell c) at [i * size() + c]; the mechanisms' states per (segment, cell) likewise (the
// segment numbering leaves out the zero-area nodes; see the members below). advance()
// throws nothing, makes no virtual call and allocates nothing but growth of `spiked`.
// See docs/cable.md.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cable/gate_kernels.hpp"
#include "cable/mechanisms.hpp"
#include "cable/morphology.hpp"

namespace myelin::detail {

// --- description --------------------------------------------------------------------

/// A mechanism parameter along a section: one value for every segment, or one value
/// per segment (segment k at values[k]).
struct density {
  std::vector<double> values;
  density(double v = 0.0) : values{v} {}  // NOLINT: a number is a uniform density
  explicit density(std::vector<double> v) : values(std::move(v)) {}
  double at(int k) const { return values.size() == 1 ? values[0] : values[k]; }
};

struct hh2_density {
  density gnabar = 0.12;  // [S/cm2]
  density gkbar = 0.036;  // [S/cm2]
  density gl = 0.0003;    // [S/cm2]
  density el = -54.3;     // [mV]
};
struct pas_density {
  density g = 0.001;  // [S/cm2]
  density e = -70.0;  // [mV]
};

/// The mechanisms inserted in one section (absent: not inserted). ca and kca need cad
/// in the same section (cad writes the cai they read, and makes eca follow it).
struct section_mechanisms {
  std::optional<hh2_density> hh2;
  std::optional<density> km;   // gbar [pS/um2]
  std::optional<density> ca;   // gbar [pS/um2]
  std::optional<density> cad;  // taur [ms]
  std::optional<density> kca;  // gbar [pS/um2]
  std::optional<density> cat;  // gbar [S/cm2]
  std::optional<density> ar;   // gbar [S/cm2]
  std::optional<pas_density> pas;
};

/// A dual-exponential conductance synapse (NEURON's Exp2Syn) at section(x).
struct synapse_spec {
  std::string name;  // e.g. "apical_tuft_ampa"
  int section = 0;
  double x = 0.5;
  double tau1 = 0.5;  // rise [ms]
  double tau2 = 5.0;  // decay [ms]
  double e = 0.0;     // reversal potential [mV]
};

/// A named input of the cell type: an event of weight w on the port adds w to every
/// synapse listed (HNN's "proximal" input reaches three sections, each with the full w).
struct port_spec {
  std::string name;  // e.g. "proximal_ampa"
  std::vector<int> synapses;
};

struct cable_template {
  std::string name;
  std::vector<cable_section> sections;
  std::vector<section_mechanisms> mechanisms;  // per section
  std::vector<double> v0;                      // initial v per section [mV]
  std::vector<synapse_spec> synapses;
  std::vector<port_spec> ports;
  int soma = 0;                  // spike detection and injected current at soma(0.5)
  double spike_threshold = 0.0;  // [mV]
  bool dipole = false;           // contributes to the current dipole
  std::array<double, 3> dipole_axis{0.0, 0.0, 1.0};  // direction of the apical axis
};

// --- simulation ---------------------------------------------------------------------

class cable_cells {
 public:
  /// Checks the template (errors name the section or field) and builds n cells of it.
  cable_cells(cable_template t, std::size_t n_cells);

  std::size_t size() const { return nc_; }
  const cable_template& cell_template() const { return tpl_; }
  const cable_tree& tree() const { return tree_; }
  std::size_t n_ports() const { return tpl_.ports.size(); }
  /// Index of a port by name, -1 if the type has none of that name.
  int port_index(std::string_view name) const;

  /// dt-dependent constants; call before the first advance() and whenever dt changes.
  void prepare(double dt);
  /// v = v0 per section, every mechanism at its initial state (NEURON's finitialize()
  /// without an argument), synapses closed.
  void initialize();

  /// One step of dt. port_weight[r][c]: summed weight [uS] of the events arriving on
  /// port r of cell c in this step (they act from the next step on); port_weight or
  /// port_weight[r] may be null (no events). i_inj[c]: current injected at soma(0.5)
  /// during the step [nA], may be null. Appends the index of each cell whose soma
  /// crossed the threshold upwards (at the end of the step) to `spiked`, ascending.
  void advance(const double* const* port_weight, const double* i_inj,
               std::vector<uint32_t>& spiked);

  /// Membrane potential [mV] of node `node` for all cells (size() values).
  const double* v(int node) const { return v_.data() + node * nc_; }
  double v(int node, std::size_t cell) const { return v_[node * nc_ + cell]; }
  double soma_v(std::size_t cell) const { return v_[soma_node_ * nc_ + cell]; }
  int soma_node() const { return soma_node_; }
  /// Internal calcium [mM] at a node (NEURON's default cai where no cad is inserted).
  double cai(int node, std::size_t cell) const {
    const int p = seg_pos_[node];
    return p < 0 ? cable_mech::cai_ion : cai_[p * nc_ + cell];
  }
  /// Conductance [uS] of a synapse (g = B - A) of one cell.
  double synapse_g(int synapse, std::size_t cell) const {
    return syn_b_[synapse * nc_ + cell] - syn_a_[synapse * nc_ + cell];
  }

  /// Current-dipole moment [fAm = nA um] of each cell along the template's dipole axis
  /// (HNN's dipole.mod and dipole_pp.mod): the sum over every axial resistor piece of
  /// (v_parent_side - v_child_side)/ri * dz. q must hold size() values.
  void dipole(double* q) const;

  /// A dipole piece: current from node p to node q through ri, times its projection dz.
  struct dipole_piece {
    int p, q;
    double coef;  // dz / ri [um/MOhm]
  };
  const std::vector<dipole_piece>& dipole_pieces() const { return pieces_; }

 private:
  void check_template() const;

  cable_template tpl_;
  cable_tree tree_;
  std::size_t nc_;
  std::size_t nn_;
  double dt_ = 0.025;
  int soma_node_ = 0;

  // Matrix coefficients per node (shared by all cells; NEURON's a, b and the constant
  // part of d). Row i of the system, in mA/cm2 per mV: d_i dv_i + b_i dv_parent = rhs_i;
  // the parent's row holds a_i dv_i.
  std::vector<double> a_, b_;
  std::vector<double> d_const_;   // cm * 1e-3 / dt - b_i - sum over children a_child
  std::vector<double> inv_area_;  // 100/area [1/um2 scaled]: nA -> mA/cm2

  void gather_segments();  // v_seg = v at the segments

  // Per (node, cell).
  std::vector<double> v_, rhs_, d_;
  // Segments: the nodes with membrane, numbered in node order without the zero-area
  // section ends (10 of an L5 pyramidal cell's 65 nodes), which have no mechanisms. The
  // mechanisms' states, parameters and the calcium ion live in this numbering, per
  // (segment, cell); v_seg mirrors v there, and the currents gather in rhs_seg and
  // d_seg before they are copied to the nodes' rows.
  std::size_t ns_ = 0;
  std::vector<int> seg_pos_;    // per node: its segment, -1 for a zero-area node
  std::vector<int> zero_area_;  // the zero-area nodes
  struct seg_run {
    int node0, pos0, len;  // consecutive nodes node0 .. and segments pos0 ..
  };
  std::vector<seg_run> runs_;
  std::vector<double> v_seg_, rhs_seg_, d_seg_, d_const_seg_, cai_, ica_;
  std::vector<double> eca_;     // per (ca span segment, cell): scratch of the ca current
  std::vector<uint8_t> above_;  // per cell: soma above threshold at the last check

  // Mechanism instances: segment of each instance and its parameters. States are kept
  // for every segment of the span [n0, n0 + span) from the first to the last instance's,
  // at [(segment - n0) * nc + cell], so a state update is one loop over span * nc values
  // (no remainder per segment when there are few cells); the values at segments of the
  // span without the mechanism evolve like the others and are never read.
  struct span_set {
    std::vector<int> pos;
    int n0 = 0;
    std::size_t span = 0;
    std::size_t offset(std::size_t k, std::size_t nc) const { return (pos[k] - n0) * nc; }
    /// Per-instance values laid out like the states, per (span segment, cell); `absent`
    /// at the segments of the span without the mechanism.
    std::vector<double> spread(const std::vector<double>& per_instance, std::size_t nc,
                               double absent = 0.0) const;
  };
  // The current loops run over whole spans with parameters per (span segment, cell)
  // (the *_e arrays; 0 where the segment lacks the mechanism, which adds nothing): with
  // few cells a loop per node costs more in loop overhead and remainders than in
  // arithmetic.
  struct hh2_set : span_set {
    std::vector<double> gna_e, gk_e, gl_e, el_e;
    std::vector<double> m, h, n;
  } hh2_;
  struct gbar_set : span_set {   // km, kca, ar, pas, cat, ca
    std::vector<double> g_e;     // gbar (1e-4 tadj gbar for km, kca, ca)
    std::vector<double> e_e;     // reversal potential (pas only)
    std::vector<double> s1, s2;  // states (n; m, h)
  } km_, kca_, ar_, pas_, cat_, ca_;
  struct cad_set : span_set {     // its state ca is cai itself
    std::vector<double> taur_e;   // 1 where no cad
    std::vector<double> rate_e;   // cai0 / taur (a division per value and step otherwise)
    std::vector<double> decay_e;  // 1 - exp(-dt/taur); 0 where no cad, so cai stays
  } cad_;
  // km with ca, cat with ar: one gate kernel call each where their spans coincide (all
  // four are in every section of HNN's L5 pyramidal cell).
  bool km_with_ca_ = false, cat_with_ar_ = false;
  double km_tadj_ = 1.0;
  double rt2f_ = 0.0;
  const cable_simd::kernels* kernels_ = nullptr;  // gate updates for this CPU

  // Synapses [synapse * nc + cell].
  std::vector<int> syn_node_;
  std::vector<double> syn_e_, syn_factor_;
  std::vector<double> syn_d1_e_, syn_d2_e_;  // exp(-dt/tau1,2) per (synapse, cell)
  std::vector<double> syn_a_, syn_b_;

  std::vector<dipole_piece> pieces_;
};

}  // namespace myelin::detail
