// Reading configurations: YAML files / text, --set overrides, JSON from checkpoints.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "train/config.hpp"

namespace hamlet::train {

namespace {

std::string_view trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

std::string describe(const YAML::Node& n) {
  if (n.IsNull()) return "no value";
  if (n.IsSequence()) return "a list";
  if (n.IsMap()) return "a map";
  return "'" + n.Scalar() + "'";
}

bool parse_int(std::string_view s, std::int64_t& out) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && r.ec == std::errc() && r.ptr == s.data() + s.size();
}

bool parse_double(std::string_view s, double& out) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && r.ec == std::errc() && r.ptr == s.data() + s.size() && std::isfinite(out);
}

bool parse_bool(std::string s, bool& out) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  if (s == "true" || s == "yes" || s == "on") return out = true, true;
  if (s == "false" || s == "no" || s == "off") return out = false, true;
  return false;
}

// One scalar of a given element type; returns an error message or nullopt.
std::optional<std::string> convert_scalar(const YAML::Node& n, ValueType type, Value& out) {
  if (!n.IsScalar()) return "expected " + a_type_name(type) + ", got " + describe(n);
  const std::string& s = n.Scalar();
  switch (type) {
    case ValueType::Int: {
      std::int64_t v;
      if (!parse_int(s, v)) return "expected an integer, got '" + s + "'";
      out = v;
      return std::nullopt;
    }
    case ValueType::Double: {
      double v;
      if (!parse_double(s, v)) return "expected a finite number, got '" + s + "'";
      out = v;
      return std::nullopt;
    }
    case ValueType::Bool: {
      bool v;
      if (!parse_bool(s, v)) return "expected true or false, got '" + s + "'";
      out = v;
      return std::nullopt;
    }
    default:
      out = s;
      return std::nullopt;
  }
}

template <class T>
std::optional<std::string> convert_list(const YAML::Node& n, ValueType list, ValueType element,
                                        Value& out) {
  if (!n.IsSequence())
    return "expected " + a_type_name(list) + " ([a, b, ...]), got " + describe(n);
  std::vector<T> xs;
  for (std::size_t i = 0; i < n.size(); ++i) {
    Value v;
    if (auto err = convert_scalar(n[i], element, v))
      return "element " + std::to_string(i + 1) + ": " + *err;
    xs.push_back(std::get<T>(std::move(v)));
  }
  out = std::move(xs);
  return std::nullopt;
}

std::optional<std::string> convert(const YAML::Node& n, ValueType type, Value& out) {
  if (n.IsNull()) {
    return type == ValueType::String ? "has no value (write \"\" for an empty string)"
                                     : "has no value";
  }
  switch (type) {
    case ValueType::StringList:
      return convert_list<std::string>(n, type, ValueType::String, out);
    case ValueType::IntList: return convert_list<std::int64_t>(n, type, ValueType::Int, out);
    case ValueType::DoubleList: return convert_list<double>(n, type, ValueType::Double, out);
    default: return convert_scalar(n, type, out);
  }
}

int line_of(const YAML::Node& n, const YAML::Node& fallback) {
  const YAML::Mark m = n.Mark();
  if (!m.is_null()) return m.line + 1;
  const YAML::Mark f = fallback.Mark();
  return f.is_null() ? 0 : f.line + 1;
}

std::string unknown_key_message(const ConfigSchema& schema, const std::string& path) {
  const std::string guess = schema.suggest(path);
  return "unknown key '" + path + "'" + (guess.empty() ? "" : " (did you mean '" + guess + "'?)");
}

void walk(const YAML::Node& map, const std::string& prefix, Config& config,
          const std::string& source) {
  const ConfigSchema& schema = config.schema();
  std::set<std::string> seen;
  for (auto it = map.begin(); it != map.end(); ++it) {
    const YAML::Node key = it->first, value = it->second;
    const int key_line = line_of(key, map);
    if (!key.IsScalar()) throw Error(source, key_line, "keys must be plain names");
    const std::string path = prefix + key.Scalar();
    // yaml-cpp keeps both copies of a repeated key; the second would silently win.
    if (!seen.insert(path).second) throw Error(source, key_line, "duplicate key '" + path + "'");
    if (schema.find(path)) {
      const KeySpec& spec = *schema.find(path);
      const int line = value.IsNull() ? key_line : line_of(value, key);  // null: mark at end
      Value v;
      if (auto err = convert(value, spec.type, v)) throw Error(source, line, path + ": " + *err);
      if (auto err = spec.violation(v))
        throw Error(source, line, path + " = " + value_to_string(v) + ": " + *err);
      config.set(path, std::move(v), source + ":" + std::to_string(line));
    } else if (schema.is_section(path)) {
      if (value.IsNull()) continue;  // "model:" with nothing under it: all defaults
      if (!value.IsMap())
        throw Error(source, line_of(value, key),
                    "'" + path + "' is a section (a map of keys), got " + describe(value));
      walk(value, path + ".", config, source);
    } else {
      throw Error(source, key_line, unknown_key_message(schema, path));
    }
  }
}

}  // namespace

void Config::apply_override(std::string_view assignment) {
  const std::string where = "--set " + std::string(assignment);
  const auto eq = assignment.find('=');
  if (eq == std::string_view::npos) throw Error(where + ": expected key=value");
  const std::string key(trim(assignment.substr(0, eq)));
  const std::string_view text = trim(assignment.substr(eq + 1));
  const KeySpec* spec = schema_->find(key);
  if (!spec) throw Error(where + ": " + unknown_key_message(*schema_, key));
  Value v;
  if (spec->type == ValueType::String) {
    v = std::string(text);  // verbatim: paths may contain ':' or '#'
  } else {
    YAML::Node node;
    try {
      node = YAML::Load(std::string(text));
    } catch (const YAML::Exception& e) {
      throw Error(where + ": " + e.msg);
    }
    const bool is_list = spec->type == ValueType::StringList ||
                         spec->type == ValueType::IntList || spec->type == ValueType::DoubleList;
    YAML::Node seq(YAML::NodeType::Sequence);
    if (is_list && node.IsScalar()) seq.push_back(node);  // --set data.files=a.h5: one element
    if (auto err = convert(seq.size() ? seq : node, spec->type, v))
      throw Error(where + ": " + *err);
  }
  if (auto err = spec->violation(v))
    throw Error(where + ": " + key + " = " + value_to_string(v) + ": " + *err);
  set(key, std::move(v), "--set");
}

Config parse_config(const ConfigSchema& schema, std::string_view yaml_text,
                    const std::string& source_name, const std::vector<std::string>& overrides) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    throw Error(source_name, e.mark.is_null() ? 0 : e.mark.line + 1, "YAML: " + e.msg);
  }
  Config config(schema);
  if (root.IsDefined() && !root.IsNull()) {
    if (!root.IsMap())
      throw Error(source_name, line_of(root, root),
                  "expected a map of sections (data:, model:, ...), got " + describe(root));
    walk(root, "", config, source_name);
  }
  for (const auto& o : overrides) config.apply_override(o);
  config.check_complete(source_name);
  return config;
}

Config load_config(const ConfigSchema& schema, const std::filesystem::path& file,
                   const std::vector<std::string>& overrides) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(file.string(), 0, "cannot open configuration file");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_config(schema, text.str(), file.string(), overrides);
}

Config config_from_json(const ConfigSchema& schema, const nlohmann::json& json) {
  // JSON is YAML (flow style); dump(1) keeps one value per line so errors keep a line number.
  return parse_config(schema, json.dump(1), "<json config>");
}

}  // namespace hamlet::train
