#pragma once
// Extracellular potentials of cable cells as HNN-core computes them (docs/hnn.md,
// "Extracellular potentials"): every segment's transmembrane current (NEURON's
// i_membrane_) times a transfer resistance between the segment and an electrode in an
// infinite homogeneous medium, by the point-source ("psa") or line-source ("lsa")
// approximation.
//
// Geometry (HNN-core's cell placement): the root section's 0-end sits at the cell's
// position; every section keeps the direction of its template end points p0 -> p1 and has
// its length L; a child starts at its parent's point at the attachment x. Segment k of a
// section of nseg segments is centred at x = (k + 1/2)/nseg. For the line source HNN-core
// gives a segment the half-extent of the distance to its neighbouring centre (L/nseg
// inside the section, L/(2 nseg) for the first and the last segment, which end at the
// section's ends), centred on the segment centre.

#include <array>
#include <vector>

#include "cable/cable_cells.hpp"

namespace myelin::detail {

/// One segment (a node with membrane) of a template, relative to the cell's position.
struct segment_site {
  int node;                      // its node in the cable_tree
  std::array<double, 3> centre;  // [um]
  std::array<double, 3> axis;    // unit vector along its section
  double half_extent;            // line-source half length [um]
};

/// The segments of a template in node order (the zero-area section ends left out: the
/// order cable_cells numbers its segments in). model_error naming the cell type and
/// section if a section has no direction (p0 == p1).
std::vector<segment_site> segment_sites(const cable_template& t, const cable_tree& tree);

enum class electrode_method { psa, lsa };

/// The potential [uV] at `electrode` per nA of transmembrane current of the segment at
/// `site` displaced by `cell_pos` (HNN-core's transfer resistance): 1000 phi / (4 pi
/// sigma), phi = 1/max(r, min_distance) for psa, Holt's line-source integral over the
/// segment's extent (the perpendicular distance clamped to min_distance) for lsa.
double transfer_resistance(const segment_site& site, const std::array<double, 3>& cell_pos,
                           const std::array<double, 3>& electrode, double conductivity,
                           electrode_method method, double min_distance);

/// Each segment's transmembrane current after a step (NEURON's i_membrane_ [nA], the
/// capacitive and ionic current plus the synaptic currents; injected electrode current
/// excluded): the net axial current into the segment from the new voltages, plus the
/// current injected at the soma during the step. By the backward-Euler step this equals
/// NEURON's fast_imem, (cm/dt + di/dv) dv + i(v) at the segment.
class membrane_currents {
 public:
  explicit membrane_currents(const cable_cells& cells);
  std::size_t n_segments() const { return n_seg_; }
  /// im[s * n + c] for segment s and cell c of `cells` (n = cells.size()); i_inj[c] the
  /// current injected at soma(0.5) in the step [nA] (may be null). No allocation.
  void compute(const cable_cells& cells, const double* i_inj, double* im) const;

 private:
  std::size_t n_seg_ = 0;
  std::vector<int> parent_, seg_;  // per node: parent node, segment (-1: zero-area node)
  std::vector<double> g_;          // per node: 1/ri to its parent [uS]
  int soma_seg_ = 0;
};

}  // namespace myelin::detail

namespace myelin::detail {

class cell_group;
/// The cable cells a cell group holds, nullptr for other groups (src/cells/cable_group.cpp).
const cable_cells* cable_cells_of(const cell_group& group);

}  // namespace myelin::detail
