#pragma once
// The network description: plain value types, no threads, ranks or memory layout.
// Everything here round-trips through JSON (see docs/model-file.md) and is validated
// by `validate(const network&)` with errors that name the JSON path of the bad field.

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace myelin {

/// A random distribution with PyNN's names and parameter names:
/// uniform(low, high), normal(mu, sigma), normal_clipped(mu, sigma, low, high),
/// lognormal(mu, sigma), exponential(beta), gamma(k, theta).
struct distribution {
  std::string name;                      // one of the names above
  std::map<std::string, double> params;  // e.g. {"mu": -55, "sigma": 5}
};

/// An expression of the distance d [um] between pre- and postsynaptic cell
/// (and dx, dy, dz), e.g. "0.3*exp(-d/100)". See docs/model-file.md for the grammar.
struct expression_spec {
  std::string text;
  bool operator==(const expression_spec&) const = default;
};

/// A value given as a scalar, one value per cell, a distribution sampled per cell
/// (or per connection), or (for weights, delays, probabilities) an expression of distance.
using value_spec = std::variant<double, std::vector<double>, distribution, expression_spec>;

/// Cell positions [um]. kind: "grid" (1D/2D/3D grid filled x fastest),
/// "random_box", "random_sphere", or "list".
struct positions_spec {
  std::string kind = "grid";
  std::vector<int> shape;                      // grid: cells per axis, product = size
  std::vector<double> spacing{1.0, 1.0, 1.0};  // grid: [um] per axis
  std::vector<double> origin{0.0, 0.0, 0.0};   // [um]
  std::vector<double> extent{1.0, 1.0, 1.0};   // random_box: edge lengths [um]
  double radius = 1.0;                         // random_sphere [um]
  std::vector<std::array<double, 3>> list;     // list: one position per cell
};

struct population {
  std::string label;
  int64_t size = 0;
  std::string cell_type;                      // e.g. "IF_cond_exp"
  std::map<std::string, value_spec> params;   // PyNN names and units
  std::map<std::string, value_spec> initial;  // initial values of state variables
  std::optional<positions_spec> positions;
  /// SpikeSourceArray: spike times [ms]; one list shared by all cells, or one per cell.
  std::vector<std::vector<double>> spike_times;
};

/// A subset of cells: a population, a slice of it, an index list, or an assembly of
/// several such parts. In JSON: "exc", {"population": "exc", "start": 0, "stop": 100,
/// "step": 1}, {"population": "exc", "indices": [...]}, or a list of these.
struct selection_part {
  std::string population;
  std::optional<int64_t> start, stop;  // slice [start, stop)
  int64_t step = 1;
  std::optional<std::vector<int64_t>> indices;
};
struct selection {
  std::vector<selection_part> parts;
};

struct connector {
  /// AllToAll, OneToOne, FixedProbability, FixedNumberPre, FixedNumberPost,
  /// FixedTotalNumber, DistanceDependentProbability, FromList, FromArrays.
  std::string type;
  double p = 0.0;                        // FixedProbability
  int64_t n = 0;                         // FixedNumber*, FixedTotalNumber
  bool allow_self_connections = true;    // AllToAll and random connectors
  std::optional<bool> with_replacement;  // FixedNumber* (default false), FixedTotalNumber (true)
  std::string d_expression;              // DistanceDependentProbability: p(d)
  /// FromList: (pre index, post index[, weight, delay]) within the selections.
  std::vector<std::vector<double>> list;
  /// FromArrays: connection i is pre[i] -> post[i] (indices within the selections) with
  /// weight weights[i] and delay delays[i]; an empty weights or delays column means the
  /// projection's scalar weight or delay for every connection. Duplicates are allowed.
  /// In JSON: "pre", "post", "weight", "delay" arrays of the connector.
  std::vector<int64_t> pre, post;
  std::vector<double> weights, delays;
};

/// A projection's synapse type, with PyNN's names and units (docs/model-file.md,
/// "synapse"): "StaticSynapse"; "TsodyksMarkramSynapse" (params U, tau_rec, tau_facil
/// [ms]); "SimpleStochasticSynapse" (p); "StochasticTsodyksMarkramSynapse" (U, tau_rec,
/// tau_facil) and "MultiQuantalSynapse" (U, n, tau_rec, tau_facil); "STDPMechanism" (params
/// dendritic_delay_fraction; timing_dependence "SpikePairRule" with tau_plus,
/// tau_minus [ms], A_plus, A_minus; weight_dependence "AdditiveWeightDependence",
/// "MultiplicativeWeightDependence", "AdditivePotentiationMultiplicativeDepression" or
/// "GutigWeightDependence" with w_min, w_max [weight units], mu_plus, mu_minus).
/// Parameters left out take the catalogue's defaults (synapse_catalogue()).
struct synapse_component {
  std::string type;
  std::map<std::string, double> params;
};
struct synapse_spec {
  std::string type = "StaticSynapse";
  std::map<std::string, double> params;
  synapse_component timing_dependence, weight_dependence;  // STDPMechanism only
};

struct projection {
  std::string label;
  selection pre, post;
  connector conn;
  std::string receptor = "excitatory";  // or "inhibitory"
  value_spec weight = 0.0;              // [nA] current-based, [uS] conductance-based
  value_spec delay = 0.1;               // [ms]; at least one time step
  std::optional<synapse_spec> synapse;  // absent: StaticSynapse
};

/// Current sources with PyNN's names: DCSource(amplitude, start, stop),
/// StepCurrentSource(times, amplitudes), ACSource(amplitude, offset, frequency, phase,
/// start, stop), NoisyCurrentSource(mean, stdev, dt, start, stop). Currents in nA, times in ms.
struct stimulus {
  std::string label;
  std::string type;
  selection target;
  std::map<std::string, double> params;
  std::vector<double> times, amplitudes;  // StepCurrentSource
};

/// What to record from a selection: "spikes" and/or state variables ("v", "gsyn_exc", ...).
struct recorder {
  std::string label;
  selection target;
  std::vector<std::string> variables;
  double interval = 0.0;       // [ms] sampling interval of traces, 0 = every step
  double start = 0.0;          // [ms]
  std::optional<double> stop;  // [ms], default: end of the run
};

/// An external input of HNN's kind (docs/hnn.md): artificial spike generators placed at
/// `origin`, each connected to its target cells with weight w exp(-d^2/lambda^2) and delay
/// D exp(d^2/lambda^2), d the in-plane (x, y) distance of the target from the origin and
/// lambda = space_constant. type: "evoked" (mu, sigma, numspikes), "poisson" (rate,
/// tstart, tstop), "bursty" (tstart, tstart_std, tstop, burst_rate, burst_std,
/// numspikes, spike_isi) or "tonic" (a current at the soma: amplitudes per population,
/// tstart, tstop). Event drives become a SpikeSourceArray population named `label`
/// (gids after every other population, in drive order); `spike_times` (one list per
/// drive cell, or one for all) replaces the generated times.
struct drive {
  std::string label;
  std::string type = "evoked";
  std::string location = "proximal";  // the port prefix: proximal, distal, soma
  std::map<std::string, double> weights_ampa, weights_nmda;  // [uS] per target population
  std::map<std::string, double> delays;                      // [ms] per target population
  std::map<std::string, double> amplitudes;                  // tonic: [nA] per population
  std::map<std::string, double> rates;   // poisson: [Hz] per target population (else `rate`)
  std::map<std::string, double> params;  // mu, sigma, numspikes, rate, tstart, ... (per type)
  double space_constant = 3.0;           // lambda [um] (model files: poisson, bursty 100)
  std::vector<double> origin{0.0, 0.0};  // [um] (x, y)
  bool cell_specific = true;  // one drive cell per target cell (else n_drive_cells to all)
  int64_t n_drive_cells = 1;
  double probability = 1.0;  // each (drive cell, target cell) pair is kept with this probability
  uint64_t seed = 0;
  std::vector<std::vector<double>> spike_times;
};

/// A multi-compartment cell type described as data (docs/cable.md, "Cell templates";
/// in JSON the top-level "cell_templates" object, name -> template). The sections form a
/// tree whose root, the first section, is the soma: spikes are detected and currents
/// injected at its middle.
///
/// A mechanism parameter (density) is a number (the same in every segment), one number
/// per segment of the section, or an expression of `d`, the path distance [um] from the
/// soma's 0-end to the segment's centre (e.g. "10 + min(d, 1501) * (40 - 10) / 1501").
using density_spec = std::variant<double, std::vector<double>, expression_spec>;

struct cell_section_spec {
  std::string name;
  double L = 0.0;         // length [um]
  double diam = 0.0;      // diameter [um] (kept in single precision, as NEURON's 3-D points)
  double Ra = 0.0;        // axial resistivity [ohm cm]
  double cm = 0.0;        // specific membrane capacitance [uF/cm2]
  int nseg = 0;           // segments; 0: HNN's rule (1 up to 100 um, else floor(L/50) made odd)
  std::string parent;     // the parent section (listed before this one); empty for the soma
  double parent_x = 1.0;  // where this section's 0-end attaches on the parent, in [0, 1]
  std::array<std::array<double, 3>, 2> end_pts{};  // 3-D end points [um]; the direction
                                                   // gives the section's dipole projection
  double v0 = -65.0;                               // initial membrane potential [mV]
  /// Inserted mechanisms: name (hh2, km, ca, cad, kca, cat, ar, pas) -> parameter ->
  /// density; parameters left out take the mechanism's defaults.
  std::map<std::string, std::map<std::string, density_spec>> mechanisms;
  bool operator==(const cell_section_spec&) const = default;
};

/// One receptor: an Exp2Syn synapse at the middle of each listed section.
struct cell_receptor_spec {
  std::string name;               // e.g. "ampa"
  double e = 0.0;                 // reversal potential [mV]
  double tau1 = 0.5, tau2 = 5.0;  // rise and decay time constants [ms]
  std::vector<std::string> sections;
  bool operator==(const cell_receptor_spec&) const = default;
};

/// A named group of sections ("proximal"): ports <location>_<receptor> reach the
/// receptor's synapse on every section of the group.
struct cell_location_spec {
  std::string name;
  std::vector<std::string> sections;
  bool operator==(const cell_location_spec&) const = default;
};

struct cell_template_spec {
  std::string description;
  std::vector<cell_section_spec> sections;    // the soma first, parents before children
  std::vector<cell_receptor_spec> synapses;   // in port order
  std::vector<cell_location_spec> locations;  // in port order
  double spike_threshold = 0.0;               // [mV] at soma(0.5)
  bool dipole = false;                        // contributes HNN's current dipole
  std::array<double, 3> dipole_axis{0.0, 0.0, 1.0};
  bool operator==(const cell_template_spec&) const = default;
};

/// Extracellular electrodes recording the potential of every multi-compartment cell's
/// transmembrane currents during the run, as HNN-core computes it (docs/hnn.md,
/// "Extracellular potentials"): a point source ("psa") at each segment centre, or a line
/// source ("lsa") along it, in an infinite homogeneous medium of `conductivity`; distances
/// below `min_distance` are clamped to it. Positions in the frame of the cells' positions
/// (a cell's soma 0-end at its position, sections along their 3-D end points).
struct electrode_array {
  std::string label;
  std::vector<std::array<double, 3>> positions;  // [um]
  double conductivity = 0.3;                     // [S/m]
  std::string method = "psa";                    // "psa" or "lsa"
  double min_distance = 0.5;                     // [um]
};

/// A receptor of a cell type defined by equations (docs/equations.md): a state variable
/// created for it that the spikes of projections naming the receptor increment by their
/// weight, and that decays with the time constant `tau` (exponential), or rises and
/// decays as an alpha function peaking at the weight after `tau` (alpha).
struct receptor_spec {
  std::string name;                   // what a projection's "receptor" names
  std::string variable;               // the state variable it creates (e.g. "g_e")
  std::string kind = "conductance";   // [uS] per unit weight, or "current" [nA]
  std::string shape = "exponential";  // or "alpha"
  std::string tau;                    // a time: "5*ms", or a parameter's name
};

/// A cell type defined by equations in Brian2's notation (docs/equations.md): the
/// differential equations, subexpressions and parameter declarations in `equations`,
/// parameter defaults and default initial values with units ("140*nS", "-65*mV"),
/// threshold/reset/refractory as Brian2 writes them, the integration method ("" =
/// chosen from the equations: exact, exponential_euler, rk4; or "exact",
/// "exponential_euler", "euler", "rk2", "rk4"), the symbol that receives the current
/// of current sources (a current, e.g. "Iapp"; "" = none), and the receptors.
/// Populations use the type by its name (the key of network::cell_types).
struct cell_type_spec {
  std::string equations;
  std::map<std::string, std::string> parameters;
  std::map<std::string, std::string> initial;
  std::string threshold, reset, refractory;
  std::string method;
  std::string current;
  std::vector<receptor_spec> receptors;
};

struct network {
  std::string name = "network";
  std::string description;
  double dt = 0.1;        // [ms]
  double tstop = 1000.0;  // [ms]
  uint64_t seed = 1;
  std::vector<population> populations;
  std::vector<projection> projections;
  std::vector<stimulus> stimuli;
  std::vector<recorder> recorders;
  std::vector<drive> drives;
  /// Cell types defined by this model (name -> template); populations name them in
  /// cell_type like the built-in types, whose names they may not take.
  std::map<std::string, cell_template_spec> cell_templates;
  std::vector<electrode_array> electrode_arrays;
  /// Cell types defined by equations, by name (registered when the model is validated).
  std::map<std::string, cell_type_spec> cell_types;
};

/// Throws model_error naming the JSON path of the first invalid field.
void validate(const network& net);

/// Memory a model will need [bytes], estimated from its description before anything is
/// allocated (cell state and ring buffers at their minimum, synapses at their expected
/// number, DistanceDependentProbability's not counted, spikes at 100 Hz per recorded
/// cell): it errs low, so that what it refuses surely does not fit.
struct memory_estimate {
  double cells = 0;      ///< cell state and input ring buffers [bytes]
  double synapses = 0;   ///< connection tables [bytes]
  double recording = 0;  ///< recorders over the whole tstop [bytes]
  double synapse_count = 0;
  double total() const { return cells + synapses + recording; }
};

/// The estimate for the whole job (all ranks together).
memory_estimate estimate_memory(const network& net);

/// The recording memory limit when run_options::max_record_memory is 0: half the
/// machine's physical memory [bytes].
double default_record_limit();

/// Throws error naming the estimate, the limit and the ways out if the model cannot fit:
/// its share on one of `ranks` MPI ranks exceeds the memory this process may use, with
/// the recording counted up to `max_record_memory` [bytes] (0 = half the physical
/// memory, run_options::max_record_memory's rule): beyond that, a run given an output
/// directory streams it to disk (simulation::stream_outputs). What `myelin validate`
/// checks.
void check_memory(const network& net, int ranks = 1, double max_record_memory = 0);

/// Replaces the spike times of every event drive by those in a CSV file with the columns
/// gid, time_ms, type (HNN-core's spikes.csv: gids of the simulated cells first, then the
/// drive cells in drive order; rows of simulated cells are skipped). Drive cells without
/// rows get no spikes. Throws error naming the file and row for missing columns, unknown
/// gids, a type that is not the drive's label, negative or non-numeric times.
void replay_drives(network& net, const std::string& csv_path);

/// The rows of such a file, read once (read_drive_replay checks the columns, gids and
/// times) and applied to as many models as needed (a sweep's runs).
struct drive_replay {
  struct row {
    std::size_t line;  // in the file, for errors
    uint64_t gid;
    double time_ms;
    std::string type;
  };
  std::string path;
  std::vector<row> rows;
};
drive_replay read_drive_replay(const std::string& csv_path);
void replay_drives(network& net, const drive_replay& replay);

/// JSON model files (docs/model-file.md). Parse errors name the field's JSON path.
network network_from_json_text(const std::string& text);
network load_network(const std::string& path);
std::string network_to_json_text(const network& net, int indent = 2);

/// Set a field by a JSON-pointer-like dotted path, e.g. "populations.exc.size" or
/// "tstop", value given as JSON text (as `myelin run --set PATH=VALUE`).
void set_by_path(network& net, const std::string& path, const std::string& json_value);
/// Several (path, JSON value) assignments in order, then one read-back and validation:
/// the model is serialised once, not once per assignment. A later path sees the
/// earlier assignments. On an error (naming the path or field) `net` is unchanged.
void set_by_paths(network& net, const std::vector<std::pair<std::string, std::string>>& values);

/// Cell-type metadata: PyNN names, units, defaults.
struct parameter_info {
  std::string name;
  std::string unit;
  double default_value;
  std::string doc;
};
struct cell_type_info {
  std::string name;
  std::string synapse_kind;  // "current", "conductance", "delta", or "none" (sources)
  std::vector<parameter_info> params;
  std::vector<parameter_info> state;  // state variables with default initial values
  std::vector<std::string> recordable;
  /// Recordable quantities computed from the state, with their units (the
  /// subexpressions of cell types from equations); also in `recordable`.
  std::vector<parameter_info> derived;
  /// Cells with membrane segments (cable cells): electrode arrays record their
  /// transmembrane currents.
  bool multi_compartment = false;
  /// Names a projection's "receptor" may take when it ends on this type; a spike's
  /// weight goes to the input of that name. Point neurons have the two of PyNN;
  /// multi-compartment cells name synapses by location and kind ("proximal_ampa").
  std::vector<std::string> receptors{"excitatory", "inhibitory"};
  /// False for types that have nowhere to put the current of current sources (cell
  /// types from equations that name no `current` symbol).
  bool takes_current = true;
  /// For cell types from equations: the integration method in use ("rk4", ...).
  std::string method;
};
/// Index of `receptor` in the receptor list of `type`, or -1.
int receptor_index(const cell_type_info& type, const std::string& receptor);
/// Every cell type: the built-in ones, then those registered at run time, in order of
/// registration (a copy: types may be registered concurrently).
std::vector<cell_type_info> cell_types();
/// The type named `name`, or nullptr. The pointer stays valid for the life of the process.
const cell_type_info* find_cell_type(const std::string& name);
/// The type named `name` in a model: one of its cell_templates, else a registered type;
/// nullptr if neither. Throws model_error naming the field for an invalid template.
/// The pointer stays valid for the life of the process.
const cell_type_info* find_cell_type(const network& net, const std::string& name);

}  // namespace myelin
