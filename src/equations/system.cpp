// Parsing a cell type's definition: statements of Brian2's equation notation, then the
// expressions with their dimensions checked (system.hpp).

#include "equations/system.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <functional>

#include "myelin/error.hpp"

namespace myelin::detail::eq {

int system::add(symbol s) {
  const int id = static_cast<int>(syms.size());
  by_name[s.name] = id;
  syms.push_back(std::move(s));
  return id;
}

node_id system::inline_subs(node_id i) {
  std::map<int, node_id> done;
  std::vector<int> path;
  std::function<std::optional<node_id>(int)> f = [&](int s) -> std::optional<node_id> {
    if (syms[s].kind != sym_kind::sub) return std::nullopt;
    if (auto it = done.find(s); it != done.end()) return it->second;
    if (std::find(path.begin(), path.end(), s) != path.end())
      throw error("subexpression '" + syms[s].name + "' is defined in terms of itself");
    path.push_back(s);
    const node_id r = p.substitute(syms[s].def, f);
    path.pop_back();
    done[s] = r;
    return r;
  };
  return p.substitute(i, f);
}

namespace {

std::string trim(const std::string& s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

bool identifier(const std::string& s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  return true;
}

// One statement of the equations: "dv/dt = rhs : unit (flags)", "x = rhs : unit",
// "p : unit".
struct statement {
  std::string text;  // as written, for errors
  std::string lhs, rhs, unit;
  bool differential = false, has_rhs = false;
  std::vector<std::string> flags;
};

// Splits the equations into statements: '#' starts a comment; a statement continues
// over lines while its parentheses are open or it has no ':' yet.
std::vector<std::string> statements_of(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  int depth = 0;
  bool colon = false;
  std::size_t i = 0;
  while (i <= text.size()) {
    std::size_t e = text.find('\n', i);
    if (e == std::string::npos) e = text.size();
    std::string line = text.substr(i, e - i);
    if (auto h = line.find('#'); h != std::string::npos) line.erase(h);
    for (char c : line) {
      depth += c == '(' ? 1 : c == ')' ? -1 : 0;
      colon = colon || (c == ':' && depth == 0);
    }
    if (!trim(line).empty()) {
      if (!cur.empty()) cur += ' ';
      cur += trim(line);
    }
    if (!cur.empty() && depth <= 0 && colon) {
      out.push_back(cur);
      cur.clear();
      colon = false;
      depth = 0;
    }
    i = e + 1;
  }
  if (!trim(cur).empty()) out.push_back(cur);
  return out;
}

statement split_statement(const std::string& s, const std::string& field) {
  statement st;
  st.text = s;
  const std::string what = "equation '" + s + "'";
  // The unit part follows the last ':' outside parentheses.
  int depth = 0;
  std::size_t colon = std::string::npos;
  for (std::size_t i = 0; i < s.size(); ++i) {
    depth += s[i] == '(' ? 1 : s[i] == ')' ? -1 : 0;
    if (s[i] == ':' && depth == 0) colon = i;
  }
  if (colon == std::string::npos)
    throw model_error(field, "in " + what + ": missing ': unit' (write e.g. 'dv/dt = ... : volt')");
  std::string head = trim(s.substr(0, colon)), tail = trim(s.substr(colon + 1));
  if (!tail.empty() && tail.back() == ')') {
    const std::size_t open = tail.rfind('(');
    if (open != std::string::npos && open > 0) {
      std::string flags = tail.substr(open + 1, tail.size() - open - 2);
      tail = trim(tail.substr(0, open));
      std::size_t b = 0;
      while (b <= flags.size()) {
        std::size_t e = flags.find(',', b);
        if (e == std::string::npos) e = flags.size();
        st.flags.push_back(trim(flags.substr(b, e - b)));
        b = e + 1;
      }
    }
  }
  st.unit = tail;
  if (st.unit.empty()) throw model_error(field, "in " + what + ": the unit after ':' is missing");
  const std::size_t eq = head.find('=');
  if (eq == std::string::npos) {
    st.lhs = head;
  } else {
    st.lhs = trim(head.substr(0, eq));
    st.rhs = trim(head.substr(eq + 1));
    st.has_rhs = true;
    if (st.rhs.empty()) throw model_error(field, "in " + what + ": nothing after '='");
  }
  std::string l = st.lhs;
  l.erase(std::remove_if(l.begin(), l.end(), [](char c) { return std::isspace(c); }), l.end());
  if (l.size() > 4 && l[0] == 'd' && l.compare(l.size() - 3, 3, "/dt") == 0) {
    st.differential = true;
    st.lhs = l.substr(1, l.size() - 4);
    if (!st.has_rhs) throw model_error(field, "in " + what + ": d" + st.lhs + "/dt needs '= ...'");
  } else {
    st.lhs = l;
  }
  if (!identifier(st.lhs))
    throw model_error(field, "in " + what + ": '" + st.lhs + "' is not a variable name");
  if (reserved_name(st.lhs))
    throw model_error(field, "in " + what + ": '" + st.lhs +
                                 "' is reserved (a unit, function or Brian2 name); rename it");
  return st;
}

}  // namespace

system parse_system(const std::string& name, const cell_type_spec& spec, const std::string& f) {
  system sys;
  sys.name = name;
  sys.method_requested = spec.method;
  const std::string feq = f + ".equations";
  // Pass 1: declarations, so that expressions may use names defined further down.
  std::vector<statement> sts;
  for (const std::string& s : statements_of(spec.equations)) sts.push_back(split_statement(s, feq));
  if (sts.empty()) throw model_error(feq, "no equations");
  std::vector<std::pair<int, const statement*>> defined;
  auto fresh = [&](const std::string& n, const std::string& field, const std::string& what) {
    if (sys.by_name.count(n))
      throw model_error(field, "in " + what + ": '" + n + "' is defined twice");
  };
  for (const statement& st : sts) {
    const std::string what = "equation '" + st.text + "'";
    dims d;
    try {
      d = parse_unit_declaration(st.unit, what);
    } catch (const model_error&) {
      throw;
    } catch (const error& e) {
      throw model_error(feq, e.what());
    }
    for (const std::string& fl : st.flags) {
      const bool ok =
          (fl == "unless refractory" && st.differential) || (fl == "constant" && !st.has_rhs);
      if (!ok)
        throw model_error(feq, "in " + what + ": flag '" + fl +
                                   "' is not supported here (allowed: 'unless refractory' on "
                                   "differential equations, 'constant' on parameters)");
    }
    if (!st.has_rhs && st.lhs == spec.current) {
      // The current symbol declared as a parameter, as Brian2 scripts do ("Iapp : amp").
      continue;
    }
    fresh(st.lhs, feq, what);
    symbol s{st.lhs,
             st.differential ? sym_kind::state
             : st.has_rhs    ? sym_kind::sub
                             : sym_kind::param,
             d};
    s.unless_refractory =
        std::find(st.flags.begin(), st.flags.end(), "unless refractory") != st.flags.end();
    s.source = st.text;
    const int id = sys.add(s);
    if (st.has_rhs) defined.emplace_back(id, &st);
  }
  // Parameters: declared in the equations (then a default is required) or only in
  // `parameters` (dimension from the default's unit).
  for (const auto& [pn, text] : spec.parameters) {
    const std::string fp = f + ".parameters." + pn;
    if (!identifier(pn) || reserved_name(pn))
      throw model_error(fp, "'" + pn + "' is not a valid parameter name (or is a unit/reserved)");
    std::pair<double, dims> q;
    try {
      q = parse_quantity(text, "parameter '" + pn + "'");
    } catch (const error& e) {
      throw model_error(fp, e.what());
    }
    if (!std::isfinite(q.first)) throw model_error(fp, "must be finite, got '" + text + "'");
    if (auto it = sys.by_name.find(pn); it != sys.by_name.end()) {
      symbol& s = sys.syms[it->second];
      if (s.kind != sym_kind::param)
        throw model_error(fp, "'" + pn + "' is a variable of the equations, not a parameter");
      if (!(s.d == q.second) && !(q.first == 0 && q.second.dimensionless()))
        throw model_error(fp, "'" + text + "' has unit " + dims_name(q.second) + " but '" + pn +
                                  "' is declared with unit " + dims_name(s.d));
    } else {
      if (pn == spec.current)
        throw model_error(fp, "'" + pn + "' is the current symbol (`current`), not a parameter");
      sys.add({pn, sym_kind::param, q.second});
    }
  }
  for (const auto& s : sys.syms)
    if (s.kind == sym_kind::param && !spec.parameters.count(s.name))
      throw model_error(f + ".parameters", "parameter '" + s.name +
                                               "' is declared in the equations but has no "
                                               "default here (give e.g. \"" +
                                               s.name + "\": \"1*" + dims_name(s.d) + "\")");
  if (!spec.current.empty()) {
    if (!identifier(spec.current) || reserved_name(spec.current) || sys.by_name.count(spec.current))
      throw model_error(f + ".current", "'" + spec.current +
                                            "' must be a new name for the injected current "
                                            "(not a unit, reserved or defined in the equations)");
    symbol cur{spec.current, sym_kind::current, find_unit("amp")->d};
    sys.current = sys.add(cur);
  }
  sys.t = sys.add({"t", sym_kind::time, find_unit("second")->d});
  sys.dt = sys.add({"dt", sym_kind::step, find_unit("second")->d});
  // Receptors: their variables are states with generated equations.
  std::vector<std::pair<int, std::string>> receptor_tau;
  for (std::size_t r = 0; r < spec.receptors.size(); ++r) {
    const receptor_spec& rs = spec.receptors[r];
    const std::string fr = f + ".receptors." + rs.name;
    if (rs.name.empty()) throw model_error(fr + ".name", "must not be empty");
    for (std::size_t q = 0; q < r; ++q)
      if (spec.receptors[q].name == rs.name)
        throw model_error(fr + ".name", "duplicate receptor '" + rs.name + "'");
    if (rs.kind != "conductance" && rs.kind != "current")
      throw model_error(fr + ".kind", "must be conductance or current, got '" + rs.kind + "'");
    if (rs.shape != "exponential" && rs.shape != "alpha")
      throw model_error(fr + ".shape", "must be exponential or alpha, got '" + rs.shape + "'");
    if (!identifier(rs.variable) || reserved_name(rs.variable))
      throw model_error(fr + ".variable", "'" + rs.variable + "' is not a valid variable name");
    fresh(rs.variable, fr + ".variable", "receptor '" + rs.name + "'");
    receptor_def rd;
    rd.name = rs.name;
    rd.conductance = rs.kind == "conductance";
    const dims d = find_unit(rd.conductance ? "siemens" : "amp")->d;
    rd.var = sys.add({rs.variable, sym_kind::state, d});
    if (rs.shape == "alpha") {
      fresh(rs.variable + "_rise", fr + ".variable", "receptor '" + rs.name + "'");
      rd.rise = sys.add({rs.variable + "_rise", sym_kind::state, d});
    }
    sys.receptors.push_back(rd);
    receptor_tau.emplace_back(static_cast<int>(r), rs.tau);
  }
  if (sys.receptors.size() > 1)
    for (const auto& rd : sys.receptors)
      if (rd.conductance != sys.receptors[0].conductance)
        throw model_error(f + ".receptors",
                          "mixes conductance and current receptors; use one kind per cell type");
  // Pass 2: expressions.
  const std::function<std::optional<symbol_ref>(const std::string&)> lookup =
      [&](const std::string& n) -> std::optional<symbol_ref> {
    auto it = sys.by_name.find(n);
    if (it == sys.by_name.end() || sys.syms[it->second].kind == sym_kind::internal)
      return std::nullopt;
    return symbol_ref{it->second, sys.syms[it->second].d};
  };
  auto parse = [&](const std::string& text, const std::string& field, const std::string& what) {
    try {
      return parse_expression(sys.p, text, lookup, what);
    } catch (const model_error&) {
      throw;
    } catch (const error& e) {
      throw model_error(field, e.what());
    }
  };
  const dims per_second = dims{} / find_unit("second")->d;
  for (const auto& [id, st] : defined) {
    const std::string what = "equation '" + st->text + "'";
    const parsed r = parse(st->rhs, feq, what);
    symbol& s = sys.syms[id];
    const dims want = st->differential ? s.d * per_second : s.d;
    if (!(r.d == want))
      throw model_error(feq, "in " + what + ": the right-hand side '" + st->rhs + "' has unit " +
                                 dims_name(r.d) + " but " +
                                 (st->differential ? "d" + s.name + "/dt" : s.name) +
                                 " needs unit " + dims_name(want));
    s.def = r.id;
  }
  for (auto& [r, tau] : receptor_tau) {
    const std::string fr = f + ".receptors." + spec.receptors[r].name + ".tau";
    const parsed pt = parse(tau, fr, "receptor time constant '" + tau + "'");
    if (!(pt.d == find_unit("second")->d))
      throw model_error(fr, "'" + tau + "' has unit " + dims_name(pt.d) + "; it must be a time");
    if (sys.p.depends(pt.id, [&](int s) { return sys.syms[s].kind != sym_kind::param; }))
      throw model_error(fr, "'" + tau + "' may only use parameters and constants");
    receptor_def& rd = sys.receptors[r];
    rd.tau = pt.id;
    const node_id g = sys.p.sym(rd.var);
    if (rd.rise < 0) {
      sys.syms[rd.var].def = sys.p.bin(op::div, sys.p.un(op::neg, g), pt.id);
    } else {
      const node_id y = sys.p.sym(rd.rise);
      sys.syms[rd.var].def = sys.p.bin(op::div, sys.p.bin(op::sub, y, g), pt.id);
      sys.syms[rd.rise].def = sys.p.bin(op::div, sys.p.un(op::neg, y), pt.id);
    }
  }
  // States and their right-hand sides with subexpressions inlined; defaults.
  for (std::size_t i = 0; i < sys.syms.size(); ++i) {
    const symbol& s = sys.syms[i];
    if (s.kind == sym_kind::state) sys.states.push_back(static_cast<int>(i));
    if (s.kind == sym_kind::param) sys.params.push_back(static_cast<int>(i));
  }
  std::sort(sys.params.begin(), sys.params.end(),
            [&](int a, int b) { return sys.syms[a].name < sys.syms[b].name; });
  for (int s : sys.states) {
    try {
      sys.rhs.push_back(sys.inline_subs(sys.syms[s].def));
    } catch (const model_error&) {
      throw;
    } catch (const error& e) {
      throw model_error(feq, e.what());
    }
  }
  for (int s : sys.params) {
    const auto q = parse_quantity(spec.parameters.at(sys.syms[s].name), "parameter");
    sys.param_default.push_back(q.first);
  }
  for (const auto& [sn, text] : spec.initial) {
    const std::string fi = f + ".initial." + sn;
    auto it = sys.by_name.find(sn);
    if (it == sys.by_name.end() || sys.syms[it->second].kind != sym_kind::state)
      throw model_error(fi, "'" + sn + "' is not a state variable of the equations");
  }
  for (int s : sys.states) {
    const symbol& sym = sys.syms[s];
    const auto it = spec.initial.find(sym.name);
    double v = 0;
    if (it != spec.initial.end()) {
      const std::string fi = f + ".initial." + sym.name;
      std::pair<double, dims> q;
      try {
        q = parse_quantity(it->second, "initial value of '" + sym.name + "'");
      } catch (const error& e) {
        throw model_error(fi, e.what());
      }
      if (!(q.second == sym.d) && !(q.first == 0 && q.second.dimensionless()))
        throw model_error(fi, "'" + it->second + "' has unit " + dims_name(q.second) + " but '" +
                                  sym.name + "' has unit " + dims_name(sym.d));
      if (!std::isfinite(q.first)) throw model_error(fi, "must be finite");
      v = q.first;
    }
    sys.state_default.push_back(v);
  }
  // Threshold, reset, refractoriness (Brian2's NeuronGroup arguments).
  if (!spec.threshold.empty()) {
    const parsed r = parse(spec.threshold, f + ".threshold", "threshold '" + spec.threshold + "'");
    if (!r.boolean)
      throw model_error(f + ".threshold",
                        "'" + spec.threshold + "' must be a condition (e.g. 'v > -20*mV')");
    sys.threshold = sys.inline_subs(r.id);
  }
  if (!spec.reset.empty()) {
    if (spec.threshold.empty()) throw model_error(f + ".reset", "a reset needs a threshold");
    std::map<int, node_id> assigned;
    std::string rs = spec.reset;
    std::replace(rs.begin(), rs.end(), ';', '\n');
    for (std::size_t b = 0; b <= rs.size();) {
      std::size_t e = rs.find('\n', b);
      if (e == std::string::npos) e = rs.size();
      std::string s = rs.substr(b, e - b);
      b = e + 1;
      if (auto h = s.find('#'); h != std::string::npos) s.erase(h);
      s = trim(s);
      if (s.empty()) continue;
      const std::string what = "reset statement '" + s + "'";
      const std::size_t eq = s.find('=');
      if (eq == std::string::npos || eq == 0)
        throw model_error(f + ".reset",
                          "in " + what + ": expected 'variable = value' (or +=, -=, *=, /=)");
      char opc = s[eq - 1];
      const bool compound = opc == '+' || opc == '-' || opc == '*' || opc == '/';
      const std::string target = trim(s.substr(0, compound ? eq - 1 : eq));
      auto it = sys.by_name.find(target);
      if (it == sys.by_name.end() || sys.syms[it->second].kind != sym_kind::state)
        throw model_error(f + ".reset",
                          "in " + what + ": '" + target + "' is not a state variable");
      const int ts = it->second;
      const parsed r = parse(s.substr(eq + 1), f + ".reset", what);
      const dims want = compound && (opc == '*' || opc == '/') ? dims{} : sys.syms[ts].d;
      if (!(r.d == want))
        throw model_error(f + ".reset", "in " + what + ": the value has unit " + dims_name(r.d) +
                                            " but needs " + dims_name(want));
      // Earlier statements' results replace the variables they assigned.
      node_id v = sys.inline_subs(r.id);
      v = sys.p.substitute(v, [&](int sy) -> std::optional<node_id> {
        auto a = assigned.find(sy);
        return a == assigned.end() ? std::nullopt : std::optional<node_id>(a->second);
      });
      const node_id old = assigned.count(ts) ? assigned[ts] : sys.p.sym(ts);
      if (compound)
        v = sys.p.bin(opc == '+'   ? op::add
                      : opc == '-' ? op::sub
                      : opc == '*' ? op::mul
                                   : op::div,
                      old, v);
      assigned[ts] = v;
    }
    for (const auto& [ts, v] : assigned) sys.reset.push_back({ts, v});
  }
  if (!spec.refractory.empty()) {
    const parsed r =
        parse(spec.refractory, f + ".refractory", "refractory '" + spec.refractory + "'");
    if (spec.threshold.empty())
      throw model_error(f + ".refractory", "refractoriness needs a threshold");
    if (r.boolean) {
      sys.refractory = refractory_kind::condition;
    } else if (r.d == find_unit("second")->d) {
      sys.refractory = refractory_kind::time;
      if (sys.p.depends(r.id, [&](int s) {
            return sys.syms[s].kind != sym_kind::param && sys.syms[s].kind != sym_kind::sub;
          }))
        throw model_error(f + ".refractory", "a refractory period may only use parameters");
    } else {
      throw model_error(f + ".refractory",
                        "'" + spec.refractory + "' has unit " + dims_name(r.d) +
                            "; give a time ('2*ms') or a condition ('v > 0*mV')");
    }
    sys.refractory_expr = sys.inline_subs(r.id);
  }
  for (const symbol& s : sys.syms)
    if (s.unless_refractory && sys.refractory == refractory_kind::none)
      throw model_error(feq, "'" + s.name +
                                 "' is marked (unless refractory) but no refractory "
                                 "period is given");
  check_finite_at_defaults(sys, feq);
  return sys;
}

}  // namespace myelin::detail::eq
