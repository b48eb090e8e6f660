// Cell types from equations (src/equations, docs/equations.md): units, parsing and its
// errors, the choice of integration method, the interpreter against scalar evaluation,
// and cells run through the public API against closed forms.

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "eq_eval.hpp"
#include "equations/cell_type.hpp"
#include "equations/program.hpp"
#include "test_util.hpp"

namespace myelin {
namespace {

using namespace detail::eq;

// These tests exercise the interpreter (the compiled kernels, the same arithmetic, are
// compared with it bit for bit in tests/python/test_equations.py) and would otherwise
// wait for the system compiler once per structure.
const bool interpreter_only = [] { return setenv("MYELIN_EQUATIONS", "interpreter", 0) == 0; }();

TEST(equations_units, quantities_come_out_in_internal_units) {
  const auto q = [](const char* t) { return parse_quantity(t, "test").first; };
  EXPECT_DOUBLE_EQ(q("-65*mV"), -65.0);
  EXPECT_DOUBLE_EQ(q("1*volt"), 1000.0);
  EXPECT_DOUBLE_EQ(q("5*mvolt"), 5.0);
  EXPECT_DOUBLE_EQ(q("140*nS"), 0.14);              // uS
  EXPECT_DOUBLE_EQ(q("4*pF"), 0.004);               // nF
  EXPECT_DOUBLE_EQ(q("18*pA"), 0.018);              // nA
  EXPECT_DOUBLE_EQ(q("2*second"), 2000.0);          // ms
  EXPECT_DOUBLE_EQ(q("10*Hz"), 0.01);               // 1/ms
  EXPECT_NEAR(q("1*uF/cm2"), 1e-5, 1e-20);          // nF/um2
  EXPECT_NEAR(q("1*msiemens/cm**2"), 1e-5, 1e-20);  // uS/um2
  EXPECT_EQ(dims_name(parse_quantity("3*nS*mV", "test").second), "amp");
  EXPECT_EQ(internal_unit_name(parse_quantity("3*nS", "test").second), "uS");
  EXPECT_EQ(internal_unit_name(parse_quantity("1*mV/ms", "test").second), "mV/ms");
  EXPECT_TRUE(parse_quantity("2*mV/volt", "test").second.dimensionless());
  EXPECT_DOUBLE_EQ(q("2*mV/volt"), 0.002);
}

cell_type_spec lif_spec() {
  cell_type_spec s;
  s.equations =
      "dv/dt = (el - v)/tau + I/C : volt (unless refractory)\n"
      "tau : second\nel : volt\nC : farad";
  s.parameters = {{"tau", "10*ms"}, {"el", "-70*mV"}, {"C", "0.25*nF"}};
  s.initial = {{"v", "-70*mV"}};
  s.current = "I";
  s.threshold = "v > -50*mV";
  s.reset = "v = -60*mV";
  s.refractory = "2*ms";
  return s;
}

// The model_error of compiling `s`: field and message.
std::pair<std::string, std::string> error_of(const cell_type_spec& s) {
  try {
    compile_cell_type("T", s, "cell_types.T");
  } catch (const model_error& e) {
    return {e.field(), e.what()};
  }
  return {"", "no error"};
}

TEST(equations_errors, name_the_equation_the_term_and_both_units) {
  cell_type_spec s = lif_spec();
  s.equations = "dv/dt = (el - v)/tau + I : volt\ntau : second\nel : volt";
  s.parameters = {{"tau", "10*ms"}, {"el", "-70*mV"}};
  s.reset = "";
  s.refractory = "";
  const auto [field, msg] = error_of(s);
  EXPECT_EQ(field, "cell_types.T.equations");
  EXPECT_NE(msg.find("equation 'dv/dt = (el - v)/tau + I : volt'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("'(el - v)/tau' has unit volt/second but 'I' has unit amp"), std::string::npos)
      << msg;
}

TEST(equations_errors, each_kind_is_one_line_naming_the_field) {
  struct bad {
    std::function<void(cell_type_spec&)> edit;
    std::string field, text;
  };
  const std::vector<bad> cases = {
      {[](auto& s) { s.equations += "\nx = foo*v : volt"; }, "equations", "unknown symbol 'foo'"},
      {[](auto& s) { s.equations += "\nx = du/dt : volt/second"; }, "equations",
       "unknown symbol 'du'"},
      {[](auto& s) { s.initial["u"] = "1*mV"; }, "initial.u", "'u' is not a state variable"},
      {[](auto& s) { s.reset = "u = 0*mV"; }, "reset", "'u' is not a state variable"},
      {[](auto& s) { s.equations += "\nx = 1/(0*mV) : 1/volt"; }, "equations", "is not finite"},
      {[](auto& s) { s.equations += "\nx = exp(v) : 1"; }, "equations",
       "'v' has unit volt but the argument of exp() needs unit 1"},
      {[](auto& s) { s.parameters.erase("tau"); }, "parameters", "has no default"},
      {[](auto& s) { s.parameters["tau"] = "10*mV"; }, "parameters.tau",
       "has unit volt but 'tau' is declared with unit second"},
      {[](auto& s) {
         s.method = "exact";
         s.equations += "\nx = v**2 : volt**2";
       },
       "", ""},
      {[](auto& s) {
         s.equations = "dv/dt = -v**2/(tau*mV) : volt\ntau : second\nel : volt\nC : farad";
         s.method = "exponential_euler";
       },
       "method", "not linear in its own variable"},
      {[](auto& s) { s.equations += "\nms : second"; }, "equations", "'ms' is reserved"},
      {[](auto& s) { s.threshold = "v + 1*mV"; }, "threshold", "must be a condition"},
      {[](auto& s) { s.method = "heun"; }, "method", "unknown method 'heun'"},
      {[](auto& s) { s.equations += "\na = b : 1\nb = a : 1\ndw/dt = a/tau : 1"; }, "equations",
       "defined in terms of itself"},
  };
  for (std::size_t k = 0; k < cases.size(); ++k) {
    cell_type_spec s = lif_spec();
    cases[k].edit(s);
    const auto [field, msg] = error_of(s);
    if (cases[k].field.empty()) {
      EXPECT_EQ(msg, "no error") << "case " << k;  // a subexpression nobody uses: allowed
      continue;
    }
    EXPECT_EQ(field, "cell_types.T." + cases[k].field) << "case " << k << ": " << msg;
    EXPECT_NE(msg.find(cases[k].text), std::string::npos) << "case " << k << ": " << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
}

TEST(equations_methods, chosen_as_the_equations_allow) {
  auto method = [](cell_type_spec s) { return compile_cell_type("T", s, "f")->info.method; };
  EXPECT_EQ(method(lif_spec()), "exact");  // linear, constant coefficients
  cell_type_spec hh = lif_spec();
  hh.equations =
      "dv/dt = (gl*(el - v) + g*m**3*(50*mV - v) + I)/C : volt (unless refractory)\n"
      "dm/dt = (1/(1 + exp(-v/(5*mV))) - m)/(1*ms) : 1\n"
      "tau : second\nel : volt\nC : farad\ngl : siemens\ng : siemens";
  hh.parameters["gl"] = "10*nS";
  hh.parameters["g"] = "100*nS";
  EXPECT_EQ(method(hh), "exponential_euler");  // linear in each own variable
  cell_type_spec quad = lif_spec();
  quad.equations =
      "dv/dt = ((v - el)**2/(10*mV) + I/C*tau)/tau : volt (unless refractory)\n"
      "tau : second\nel : volt\nC : farad";
  EXPECT_EQ(method(quad), "rk4");
  for (const char* m : {"euler", "rk2", "rk4", "exponential_euler", "exact"}) {
    cell_type_spec s = lif_spec();
    s.method = m;
    EXPECT_EQ(method(s), m);
  }
}

// Recursive scalar evaluation of a node: the reference for the interpreter.
using test::eval;

TEST(equations_interpreter, blocks_give_the_scalar_values) {
  pool p;
  const auto lookup = [](const std::string& s) -> std::optional<symbol_ref> {
    if (s == "x") return symbol_ref{0, dims{}};
    if (s == "y") return symbol_ref{1, dims{}};
    return std::nullopt;
  };
  const char* exprs[] = {
      "x*y - x/(1 + y*y) + abs(x - y)",
      "clip(x, -0.5, 0.5) + min(x, y) - max(x, y) + floor(x*3) + ceil(y*3) + int(x*7)",
      "(x < y) + (x <= y)*2 + (x > 0.1 and y < 0.2)*4 + (not (x > y) or x == y)*8",
      "sqrt(x*x + y*y) + sin(x) + cos(y) + tanh(x - y) + pow(x*x + 1, y)",
      "exp(x*3) - log(y*y + 0.5) + log(x)",  // log of negatives: NaN in both
  };
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(-2, 2);
  const std::size_t n = 150;  // two full blocks and a partial one
  std::vector<double> xs(n), ys(n), out(n);
  for (std::size_t c = 0; c < n; ++c) xs[c] = u(rng), ys[c] = u(rng);
  for (const char* e : exprs) {
    const parsed r = parse_expression(p, e, lookup, e);
    const program prog(
        p, {{r.id, 2}}, [](int s) { return s; }, 3);
    std::vector<double> scratch(prog.scratch_size());
    prog.init_scratch(scratch.data());
    const column_ref cols[3] = {{xs.data(), false}, {ys.data(), false}, {out.data(), false}};
    prog.run(cols, 0, n, scratch.data());
    for (std::size_t c = 0; c < n; ++c) {
      const double want = eval(p, r.id, {xs[c], ys[c]});
      if (std::isnan(want)) {
        EXPECT_TRUE(std::isnan(out[c])) << e << " cell " << c;
      } else {
        // exp and log are myelin's (about 1 ulp from libm); the rest is exact.
        // (a few ulp of the largest term, which cancellation may make larger than the sum).
        EXPECT_NEAR(out[c], want, 2e-15 * std::fmax(1.0, std::fabs(want))) << e << " cell " << c;
      }
    }
  }
}

network lif_network(const cell_type_spec& s, double amplitude) {
  network net;
  net.dt = 0.1;
  net.tstop = 100.0;
  net.cell_types["LIF"] = s;
  net.populations = {test::make_population("lif", 2, "LIF")};
  net.stimuli = {stimulus{.label = "dc",
                          .type = "DCSource",
                          .target = test::pop("lif"),
                          .params = {{"amplitude", amplitude}}}};
  net.recorders = {test::make_recorder("v", "lif", {"spikes", "v"})};
  return net;
}

TEST(equations_cells, exact_lif_follows_the_closed_form_with_refractoriness) {
  // I = 0.6 nA, R = tau/C = 40 MOhm: v_inf = -70 + 24 = -46 mV > -50 mV, so it fires.
  network net = lif_network(lif_spec(), 0.6);
  simulation sim(net, {.threads = 2});
  sim.run();
  // Reference: the exact propagator step by step with Brian2's refractory rule.
  const double dt = 0.1, tau = 10, el = -70, vinf = el + 0.6 * tau / 0.25;
  const double decay = std::exp(-dt / tau);
  double v = -70, last = -1e9;
  std::vector<double> spikes, trace{v};
  for (int step = 0; step < 1000; ++step) {
    const double t = step * dt;
    const bool nr = std::trunc((t - last + 1e-3 * dt) / dt) >= std::trunc((2.0 + 1e-3 * dt) / dt);
    if (nr) v = vinf + (v - vinf) * decay;
    if (nr && v > -50) {
      spikes.push_back((step + 1) * dt);
      last = t;
      v = -60;
    }
    trace.push_back(v);
  }
  ASSERT_GT(spikes.size(), 3u);
  const spike_data sp = sim.spikes("lif");
  ASSERT_EQ(sp.times.size(), 2 * spikes.size());
  for (std::size_t k = 0; k < spikes.size(); ++k) EXPECT_NEAR(sp.times[2 * k], spikes[k], 1e-9);
  const std::vector<trace_data> traces = sim.traces();
  const trace_data& tr = traces[0];
  for (std::size_t k = 0; k < trace.size(); ++k)
    EXPECT_NEAR(tr.values[k * 2], trace[k], 1e-9 * std::fabs(trace[k])) << "sample " << k;
}

TEST(equations_cells, receptors_take_weights_exponential_and_alpha) {
  for (const char* shape : {"exponential", "alpha"}) {
    cell_type_spec s;
    s.equations = "dv/dt = (g*(0*mV - v) + gl*(-70*mV - v))/(0.2*nF) : volt\ngl : siemens";
    s.parameters = {{"gl", "10*nS"}, {"tau_e", "2*ms"}};
    s.initial = {{"v", "-70*mV"}};
    s.receptors = {{.name = "excitatory", .variable = "g", .shape = shape, .tau = "tau_e"}};
    network net;
    net.dt = 0.1;
    net.tstop = 10.0;
    net.cell_types[std::string("R") + shape] = s;
    auto src = test::make_population("src", 1, "SpikeSourceArray");
    src.spike_times = {{1.0}};
    net.populations = {test::make_population("cell", 1, std::string("R") + shape), src};
    net.projections = {
        test::make_projection("in", "src", "cell", connector{.type = "AllToAll"}, 0.05, 1.0)};
    net.recorders = {test::make_recorder("g", "cell", {"g"})};
    const bool alpha = std::string(shape) == "alpha";
    // Exponential Euler is exact for the exponential decay; the alpha rise goes through
    // rk4 (exponential Euler would freeze the decaying rise over each step: first order).
    if (alpha) net.cell_types["Ralpha"].method = "rk4";
    simulation sim(net, {.threads = 1});
    EXPECT_EQ(find_cell_type(std::string("R") + shape)->method,
              alpha ? "rk4" : "exponential_euler");
    sim.run();
    const std::vector<trace_data> traces = sim.traces();
    const trace_data& tr = traces[0];
    for (std::size_t k = 0; k < tr.times.size(); ++k) {
      const double t = tr.times[k], a = t - 2.0;  // the spike at 1 ms arrives at 2 ms
      double want = 0;
      if (a >= -1e-9)
        want = alpha ? 0.05 * (a / 2.0) * std::exp(1 - a / 2.0) : 0.05 * std::exp(-a / 2.0);
      // rk4 at dt/tau = 0.05: a global error of order (dt/tau)^4 = 6e-6 of the peak
      // (measured: 2e-7 of it).
      const double tol = alpha ? 1e-6 * 0.05 : 1e-12 * 0.05;
      EXPECT_NEAR(tr.values[k], want, tol) << shape << " t = " << t;
    }
  }
}

TEST(equations_cells, a_changed_definition_replaces_the_registered_one) {
  cell_type_spec s = lif_spec();
  network a = lif_network(s, 0.6);
  validate(a);
  EXPECT_EQ(find_cell_type("LIF")->method, "exact");
  s.method = "rk4";
  network b = lif_network(s, 0.6);
  validate(b);
  EXPECT_EQ(find_cell_type("LIF")->method, "rk4");
  network c = lif_network(lif_spec(), 0.6);
  c.cell_types.clear();
  c.cell_types["IF_cond_exp"] = lif_spec();
  try {
    validate(c);
    FAIL() << "a built-in's name was taken";
  } catch (const model_error& e) {
    EXPECT_EQ(e.field(), "cell_types.IF_cond_exp");
  }
}

}  // namespace
}  // namespace myelin

namespace myelin {
namespace {

TEST(equations_errors, a_term_infinite_at_the_defaults_is_named) {
  cell_type_spec s = lif_spec();
  s.equations += "\nr = 1/(v - el) : 1/volt\ndw/dt = r*mV/tau : 1";
  const auto [field, msg] = error_of(s);
  EXPECT_EQ(field, "cell_types.T.equations");
  EXPECT_NE(msg.find("in equation 'r = 1/(v - el) : 1/volt': the term '(1/(v - el))' is "
                     "infinite at the default values"),
            std::string::npos)
      << msg;
  s.initial["v"] = "-65*mV";  // v - el = 5 mV: finite
  EXPECT_EQ(error_of(s).second, "no error");
}

}  // namespace
}  // namespace myelin
