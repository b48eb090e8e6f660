// JSON text <-> network: parsing with errors that name the field (also for numbers beyond
// a double), model files, and --set assignments by path.

#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "model/json_io.hpp"
#include "myelin/error.hpp"
#include "myelin/model.hpp"

namespace myelin {
using detail::from_json;
using detail::to_json;
namespace {

using json = nlohmann::json;

// The JSON path of the first string value equal to `mark` in `j` ("" if none).
bool find_marked(const json& j, const std::string& mark, std::string& path) {
  if (j.is_string()) return j.get<std::string>() == mark;
  const std::size_t len = path.size();
  if (j.is_array()) {
    for (std::size_t i = 0; i < j.size(); ++i) {
      // Built by append: GCC 12 warns falsely (-Wrestrict) on "[" + string + "]".
      path.append(1, '[').append(std::to_string(i)).append(1, ']');
      if (find_marked(j[i], mark, path)) return true;
      path.resize(len);
    }
  } else if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (len > 0) path.append(1, '.');
      path.append(it.key());
      if (find_marked(it.value(), mark, path)) return true;
      path.resize(len);
    }
  }
  return false;
}

// The JSON path of the value written as the bare token `literal` (a number too large for
// a double, NaN, Infinity), which nlohmann's parser rejects without naming a field: the
// first occurrence that is a whole token is put in quotes as a marker and the text parsed
// again, which finds the field it belongs to. Empty if no occurrence parses that way.
std::optional<std::string> locate_literal(const std::string& text, const std::string& literal) {
  const std::string mark = "@@myelin-marked-value@@";
  auto is_token_char = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '+';
  };
  for (std::size_t at = literal.empty() ? std::string::npos : text.find(literal);
       at != std::string::npos; at = text.find(literal, at + 1)) {
    const std::size_t end = at + literal.size();
    if ((at > 0 && is_token_char(text[at - 1])) || (end < text.size() && is_token_char(text[end])))
      continue;
    std::string marked = text;
    marked.replace(at, literal.size(), "\"" + mark + "\"");
    std::string path;
    try {
      if (find_marked(json::parse(marked), mark, path)) return path;
    } catch (const json::exception&) {
      // inside a string, or another bad value comes first
    }
  }
  return std::nullopt;
}

json parse_text(const std::string& text, const std::string& what) {
  try {
    return json::parse(text);
  } catch (const json::out_of_range& e) {
    const std::string m = e.what();
    const auto q0 = m.find('\''), q1 = m.rfind('\'');
    const std::string literal =
        q0 != std::string::npos && q1 > q0 ? m.substr(q0 + 1, q1 - q0 - 1) : "";
    const std::string msg =
        "the number " + literal + " is out of range (largest allowed magnitude ~1.8e308)";
    if (auto path = locate_literal(text, literal)) throw model_error(*path, msg);
    throw model_error("", what + ": " + msg);
  } catch (const json::parse_error& e) {
    for (const char* literal : {"NaN", "-NaN", "nan", "Infinity", "-Infinity", "inf", "-inf"})
      if (auto path = locate_literal(text, literal))
        throw model_error(
            *path, std::string(literal) + " is not a number JSON allows; give a finite number");
    // nlohmann's message carries line and column; keep it on one line.
    std::string msg = e.what();
    if (auto pos = msg.find("] "); pos != std::string::npos) msg = msg.substr(pos + 2);
    throw model_error("", what + ": malformed JSON: " + msg);
  }
}

}  // namespace

network network_from_json_text(const std::string& text) {
  network net = from_json(parse_text(text, "model"));
  validate(net);
  return net;
}

network load_network(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw io_error("model file '" + path + "' is a directory (expected a JSON file)");
  errno = 0;
  std::ifstream in(path);
  if (!in)
    throw io_error("cannot open model file '" + path +
                   "': " + std::strerror(errno ? errno : ENOENT));
  std::stringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw io_error("cannot read model file '" + path + "': " + std::strerror(errno));
  if (ss.str().find_first_not_of(" \t\r\n") == std::string::npos)
    throw model_error("", path + ": the file is empty (expected a JSON model)");
  try {
    network net = from_json(parse_text(ss.str(), path));
    validate(net);
    return net;
  } catch (const model_error& e) {
    if (e.field().empty()) throw;
    throw model_error(e.field(),
                      std::string(e.what()).substr(e.field().size() + 2) + " (in " + path + ")");
  }
}

std::string network_to_json_text(const network& net, int indent) {
  return to_json(net).dump(indent);
}

namespace {
// Sets the field at `path` in a model's JSON document (errors name the --set).
void assign_path(json& doc, const std::string& path, const std::string& json_value) {
  json value;
  try {
    value = json::parse(json_value);
  } catch (const json::out_of_range&) {
    throw model_error("--set " + path, "the number " + json_value +
                                           " is out of range (largest allowed magnitude ~1.8e308)");
  } catch (const json::parse_error&) {
    value = json_value;  // a bare word is a string
  }
  json* cur = &doc;
  std::string walked;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = path.find('.', start);
    const std::string key =
        path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    walked += (walked.empty() ? "" : ".") + key;
    if (key.empty()) throw model_error("--set " + path, "empty path component");
    json* next = nullptr;
    if (cur->is_array()) {
      for (auto& el : *cur)
        if (el.is_object() && ((el.contains("label") && el["label"] == key) ||
                               (el.contains("name") && el["name"] == key)))
          next = &el;  // a label, or a cell template's section, receptor or location name
      if (!next && !key.empty() && key.find_first_not_of("0123456789") == std::string::npos) {
        const std::size_t i = std::stoul(key);
        if (i < cur->size()) next = &(*cur)[i];
      }
      if (!next)
        throw model_error("--set " + path, "no element labelled, named or indexed '" + key +
                                               "' in '" +
                                               walked.substr(0, walked.size() - key.size()) + "'");
    } else if (cur->is_object()) {
      if (dot == std::string::npos) {
        (*cur)[key] = value;
        break;
      }
      if (!cur->contains(key))
        throw model_error("--set " + path, "no field '" + walked + "' in the model");
      next = &(*cur)[key];
    } else {
      throw model_error("--set " + path, "'" + walked + "' is not an object or array");
    }
    if (dot == std::string::npos) {
      *next = value;
      break;
    }
    cur = next;
    start = dot + 1;
  }
}
}  // namespace

void set_by_paths(network& net, const std::vector<std::pair<std::string, std::string>>& values) {
  if (values.empty()) return;
  json doc = to_json(net);
  for (const auto& [path, value] : values) assign_path(doc, path, value);
  network changed = from_json(doc);
  validate(changed);
  net = std::move(changed);  // only a valid model replaces the caller's
}

void set_by_path(network& net, const std::string& path, const std::string& json_value) {
  set_by_paths(net, {{path, json_value}});
}

}  // namespace myelin
