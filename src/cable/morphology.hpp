#pragma once
// Cable-cell geometry: unbranched sections joined into a tree, and their discretisation
// into compartments with NEURON's conventions (docs/cable.md):
//
// * a section of length L split into nseg segments has one node at the centre of each
//   segment, with membrane area pi*diam*L/nseg (no end caps), and one zero-area node at
//   its 1-end; the root section also has a zero-area node at its 0-end. A child's 0-end
//   is the node of the parent at the attachment point (no node of its own).
// * the axial resistance between a node and its parent node (NEURON's ri) is the half
//   segment on each side: 0.01*Ra*(L/nseg/2)/(pi*diam^2/4) [MOhm] for each half, so a
//   segment's first node and a section's 1-end node see half a segment, interior nodes
//   a whole one.
// Nodes are numbered so that every node's parent has a smaller index (Hines order).

#include <array>
#include <string>
#include <vector>

namespace myelin::detail {

/// One unbranched cylinder.
struct cable_section {
  std::string name;
  double length = 0.0;    // L [um]
  double diam = 0.0;      // [um]
  double ra = 200.0;      // axial resistivity [ohm cm]
  double cm = 1.0;        // specific membrane capacitance [uF/cm2]
  int nseg = 0;           // number of segments; 0 picks nseg_rule(length)
  int parent = -1;        // index of the parent section (smaller than own index); -1: root
  double parent_x = 1.0;  // where the 0-end attaches on the parent, in [0, 1]
  std::array<double, 3> p0{}, p1{};  // 3D end points [um]; only the direction is used
};

/// HNN's segment count: 1 for L <= 100 um, else floor(L/50), made odd.
int nseg_rule(double length);

/// The discretised tree shared by every cell of one morphology.
struct cable_tree {
  std::size_t n_nodes = 0;
  std::vector<int> parent;       // parent node, -1 for node 0 (the root's 0-end)
  std::vector<double> area;      // membrane area [um2]; 0 for the zero-area nodes
  std::vector<double> ri;        // axial resistance to the parent node [MOhm]; 0 for node 0
  std::vector<double> cm;        // [uF/cm2]; 0 for the zero-area nodes
  std::vector<double> distance;  // path distance from the root's 0-end [um]
  std::vector<int> section_of;   // section the node belongs to
  // Per section.
  std::vector<int> nseg;
  std::vector<int> node0;      // the node at x = 0 (the parent's node for a child)
  std::vector<int> first_seg;  // node of segment 0; segment k is first_seg + k
  std::vector<int> node1;      // the zero-area node at x = 1

  /// The node NEURON uses for location x of a section: the 0- or 1-end node at x = 0
  /// or 1, otherwise the centre of the segment containing x.
  int node_at(int section, double x) const;
  /// Segment centre x of segment k of a section: (k + 0.5)/nseg.
  double seg_x(int section, int k) const { return (k + 0.5) / nseg[section]; }
};

/// Checks the sections (positive length, diameter, Ra and cm, parents listed first,
/// attachment points in [0, 1]; errors name the section and field) and discretises them.
cable_tree discretise(const std::vector<cable_section>& sections);

}  // namespace myelin::detail
