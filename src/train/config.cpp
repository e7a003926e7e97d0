// Schema declaration, values, Config access and the YAML / JSON dumps. Parsing: config_load.cpp.
#include "train/config.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

namespace hamlet::train {

namespace {

std::string quoted(const std::string& s) {
  // YAML double-quoted style; its escapes are a superset of JSON's, so this also reads as JSON.
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20) out += fmt::format("\\x{:02x}", c);
        else out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string number_text(double v) {
  // Shortest text that reads back to the same double; keep a '.' so it reads as a float.
  std::string s = fmt::format("{}", v);
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

std::string number_text(std::int64_t v) { return std::to_string(v); }

template <class T>
std::string list_text(const std::vector<T>& xs) {
  std::string out = "[";
  for (std::size_t i = 0; i < xs.size(); ++i) {
    if (i) out += ", ";
    if constexpr (std::is_same_v<T, std::string>) out += quoted(xs[i]);
    else out += number_text(xs[i]);
  }
  return out + "]";
}

std::string bound_text(double v) { return fmt::format("{}", v); }

// Optimal string alignment distance (Levenshtein plus adjacent transpositions: "lamx" ~ "lmax").
std::size_t edit_distance(std::string_view a, std::string_view b) {
  const std::size_t n = a.size(), m = b.size();
  std::vector<std::vector<std::size_t>> d(n + 1, std::vector<std::size_t>(m + 1));
  for (std::size_t i = 0; i <= n; ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= m; ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= n; ++i)
    for (std::size_t j = 1; j <= m; ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[n][m];
}

std::string_view last_component(std::string_view path) {
  const auto dot = path.rfind('.');
  return dot == std::string_view::npos ? path : path.substr(dot + 1);
}

}  // namespace

std::string type_name(ValueType type) {
  switch (type) {
    case ValueType::Int: return "integer";
    case ValueType::Double: return "number";
    case ValueType::Bool: return "boolean";
    case ValueType::String: return "string";
    case ValueType::StringList: return "list of strings";
    case ValueType::IntList: return "list of integers";
    case ValueType::DoubleList: return "list of numbers";
  }
  return "?";
}

std::string a_type_name(ValueType type) {
  const std::string n = type_name(type);
  return (n[0] == 'i' ? "an " : "a ") + n;
}

std::string value_to_string(const Value& value) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, bool>) return v ? "true" : "false";
        else if constexpr (std::is_same_v<T, std::string>) return quoted(v);
        else if constexpr (std::is_same_v<T, std::int64_t> || std::is_same_v<T, double>)
          return number_text(v);
        else return list_text(v);
      },
      value);
}

// ---------------------------------------------------------------- KeySpec

std::optional<std::string> KeySpec::violation(const Value& value) const {
  const auto check_number = [&](double v) -> std::optional<std::string> {
    if (!std::isfinite(v)) return "must be finite";
    const bool low = min && (min_exclusive ? v <= *min : v < *min);
    const bool high = max && (max_exclusive ? v >= *max : v > *max);
    if (low || high) return "out of range " + constraint_text();
    return std::nullopt;
  };
  const auto check_choice = [&](const std::string& s) -> std::optional<std::string> {
    if (choices.empty() || std::find(choices.begin(), choices.end(), s) != choices.end())
      return std::nullopt;
    return "not one of " + constraint_text();
  };
  std::optional<std::string> err;
  if (const auto* i = std::get_if<std::int64_t>(&value)) err = check_number(double(*i));
  else if (const auto* d = std::get_if<double>(&value)) err = check_number(*d);
  else if (const auto* s = std::get_if<std::string>(&value)) err = check_choice(*s);
  else if (const auto* is = std::get_if<std::vector<std::int64_t>>(&value))
    for (auto x : *is) { if ((err = check_number(double(x)))) break; }
  else if (const auto* ds = std::get_if<std::vector<double>>(&value))
    for (auto x : *ds) { if ((err = check_number(x))) break; }
  else if (const auto* ss = std::get_if<std::vector<std::string>>(&value))
    for (const auto& x : *ss) { if ((err = check_choice(x))) break; }
  if (!err && check) err = check(value);
  return err;
}

std::string KeySpec::constraint_text() const {
  if (!choices.empty()) {
    std::string out;
    for (const auto& c : choices) out += (out.empty() ? "" : "|") + c;
    return out;
  }
  if (min && max)
    return std::string(min_exclusive ? "(" : "[") + bound_text(*min) + ", " + bound_text(*max) +
           (max_exclusive ? ")" : "]");
  if (min) return (min_exclusive ? "> " : ">= ") + bound_text(*min);
  if (max) return (max_exclusive ? "< " : "<= ") + bound_text(*max);
  return "";
}

// ---------------------------------------------------------------- ConfigSchema

KeySpec& ConfigSchema::add(std::string path, ValueType type, std::optional<Value> default_value,
                           std::string doc) {
  const auto bad = [&](const std::string& why) {
    return Error("config schema: key '" + path + "': " + why);
  };
  if (path.empty() || path.front() == '.' || path.back() == '.' ||
      path.find("..") != std::string::npos)
    throw bad("malformed dotted path");
  if (find(path)) throw bad("declared twice");
  if (is_section(path)) throw bad("is already a section");
  for (std::size_t dot = path.find('.'); dot != std::string::npos; dot = path.find('.', dot + 1))
    if (find(std::string_view(path).substr(0, dot)))
      throw bad("its section '" + path.substr(0, dot) + "' is already a key");
  if (default_value && default_value->index() != static_cast<std::size_t>(type))
    throw bad("default is " + a_type_name(ValueType(default_value->index())) + ", not " +
              a_type_name(type));
  index_.emplace(path, keys_.size());
  KeySpec& spec = keys_.emplace_back();
  spec.path = std::move(path);
  spec.type = type;
  spec.default_value = std::move(default_value);
  spec.doc = std::move(doc);
  return spec;
}

KeySpec& ConfigSchema::add_int(std::string path, std::int64_t def, std::string doc) {
  return add(std::move(path), ValueType::Int, Value(def), std::move(doc));
}
KeySpec& ConfigSchema::add_double(std::string path, double def, std::string doc) {
  return add(std::move(path), ValueType::Double, Value(def), std::move(doc));
}
KeySpec& ConfigSchema::add_bool(std::string path, bool def, std::string doc) {
  return add(std::move(path), ValueType::Bool, Value(def), std::move(doc));
}
KeySpec& ConfigSchema::add_string(std::string path, std::string def, std::string doc) {
  return add(std::move(path), ValueType::String, Value(std::move(def)), std::move(doc));
}

void ConfigSchema::add_check(std::string key,
                             std::function<std::optional<std::string>(const Config&)> f) {
  if (!find(key)) throw Error("config schema: check on unknown key '" + key + "'");
  checks_.push_back({std::move(key), std::move(f)});
}

const KeySpec* ConfigSchema::find(std::string_view path) const {
  const auto it = index_.find(path);
  return it == index_.end() ? nullptr : &keys_[it->second];
}

std::size_t ConfigSchema::position(std::string_view path) const {
  const auto it = index_.find(path);
  return it == index_.end() ? std::string::npos : it->second;
}

bool ConfigSchema::is_section(std::string_view path) const {
  const std::string prefix = std::string(path) + ".";
  const auto it = index_.lower_bound(prefix);
  return it != index_.end() && it->first.compare(0, prefix.size(), prefix) == 0;
}

std::string ConfigSchema::suggest(std::string_view path) const {
  std::vector<std::string> candidates;
  for (const auto& k : keys_) {
    candidates.push_back(k.path);
    for (std::size_t dot = k.path.find('.'); dot != std::string::npos;
         dot = k.path.find('.', dot + 1))
      candidates.push_back(k.path.substr(0, dot));
  }
  const std::string_view leaf = last_component(path);
  // A key under the wrong section ("lr" instead of "optim.lr") matches on its last component.
  const std::size_t limit = std::clamp<std::size_t>(leaf.size() / 2, 1, 3);
  std::string best;
  std::size_t best_score = limit + 1;
  for (const auto& c : candidates) {
    const std::size_t score =
        std::min(edit_distance(path, c), edit_distance(leaf, last_component(c)) + 1);
    if (score < best_score) best_score = score, best = c;
  }
  return best;
}

// ---------------------------------------------------------------- Config

Config::Config(const ConfigSchema& schema)
    : schema_(std::make_shared<const ConfigSchema>(schema)) {
  for (const auto& k : schema_->keys()) {
    values_.push_back(k.default_value);
    origins_.push_back(k.default_value ? "default" : "");
  }
}

std::size_t Config::index_of(std::string_view key) const {
  if (!schema_->find(key)) {
    const std::string guess = schema_->suggest(key);
    throw Error("unknown config key '" + std::string(key) + "'" +
                (guess.empty() ? "" : " (did you mean '" + guess + "'?)"));
  }
  return schema_->position(key);
}

const Value& Config::value_of(std::string_view key, ValueType want, const char* cxx_type) const {
  const std::size_t i = index_of(key);
  const KeySpec& spec = schema_->keys()[i];
  if (spec.type != want)
    throw Error("config key '" + spec.path + "' is " + a_type_name(spec.type) +
                ", not readable as " + cxx_type);
  if (!values_[i]) throw Error("required config key '" + spec.path + "' is not set");
  return *values_[i];
}

bool Config::is_set(std::string_view key) const { return values_[index_of(key)].has_value(); }

std::string Config::origin(std::string_view key) const { return origins_[index_of(key)]; }

void Config::set(std::string_view key, Value value, std::string origin) {
  const std::size_t i = index_of(key);
  const KeySpec& spec = schema_->keys()[i];
  if (value.index() != static_cast<std::size_t>(spec.type))
    throw Error("config key '" + spec.path + "' is " + a_type_name(spec.type) + ", got " +
                a_type_name(ValueType(value.index())));
  if (auto err = spec.violation(value))
    throw Error(spec.path + " = " + value_to_string(value) + ": " + *err);
  values_[i] = std::move(value);
  origins_[i] = std::move(origin);
}

void Config::check_complete(const std::string& source) const {
  std::string missing;
  for (std::size_t i = 0; i < values_.size(); ++i)
    if (!values_[i]) {
      const KeySpec& k = schema_->keys()[i];
      missing += (missing.empty() ? "" : ", ") + k.path + " (" + k.doc + ")";
    }
  if (!missing.empty()) throw Error(source, 0, "missing required key(s): " + missing);
  for (const auto& c : schema_->checks())
    if (auto err = c.fn(*this)) {
      // Locate the error where the key was set ("file:12", "--set", "default").
      throw Error(origins_[index_of(c.key)] + ": " + *err);
    }
}

bool operator==(const Config& a, const Config& b) {
  if (a.values_.size() != b.values_.size()) return false;
  for (std::size_t i = 0; i < a.values_.size(); ++i)
    if (a.schema_->keys()[i].path != b.schema_->keys()[i].path || a.values_[i] != b.values_[i])
      return false;
  return true;
}

// ---------------------------------------------------------------- dumps

namespace {

// Direct children of section `prefix` ("" or "a.b.") in first-declaration order: leaf keys
// (index into keys) and section names.
struct Child {
  std::string name;
  std::optional<std::size_t> leaf;
};

std::vector<Child> children(const ConfigSchema& schema, const std::string& prefix) {
  std::vector<Child> out;
  const auto& keys = schema.keys();
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const std::string& p = keys[i].path;
    if (p.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string rest = p.substr(prefix.size());
    const auto dot = rest.find('.');
    if (dot == std::string::npos) {
      out.push_back({rest, i});
    } else {
      const std::string section = rest.substr(0, dot);
      if (std::none_of(out.begin(), out.end(),
                       [&](const Child& c) { return !c.leaf && c.name == section; }))
        out.push_back({section, std::nullopt});
    }
  }
  return out;
}

}  // namespace

std::string Config::to_yaml(const std::string& header) const {
  std::string out;
  if (!header.empty()) {
    std::size_t start = 0;
    while (start <= header.size()) {
      const auto end = std::min(header.find('\n', start), header.size());
      out += "# " + header.substr(start, end - start) + "\n";
      start = end + 1;
    }
  }
  const std::function<void(const std::string&, int)> emit = [&](const std::string& prefix,
                                                                int depth) {
    const std::string indent(2 * depth, ' ');
    for (const Child& c : children(*schema_, prefix)) {
      if (!c.leaf) {
        out += indent + c.name + ":\n";
        emit(prefix + c.name + ".", depth + 1);
        continue;
      }
      const KeySpec& k = schema_->keys()[*c.leaf];
      std::string note;
      const auto add_note = [&](const std::string& n) { note += (note.empty() ? "" : "; ") + n; };
      if (k.required()) add_note("required");
      if (!k.choices.empty()) add_note("one of " + k.constraint_text());
      else if (k.min || k.max) add_note("range " + k.constraint_text());
      if (!k.required() && values_[*c.leaf] != k.default_value)
        add_note("default: " + value_to_string(*k.default_value));
      out += indent + "# " + k.doc + (note.empty() ? "" : " (" + note + ")") + "\n";
      out += indent + c.name + ": " +
             (values_[*c.leaf] ? value_to_string(*values_[*c.leaf]) : std::string("null")) + "\n";
    }
  };
  emit("", 0);
  return out;
}

nlohmann::json Config::to_json() const {
  nlohmann::json out = nlohmann::json::object();
  for (std::size_t i = 0; i < values_.size(); ++i) {
    nlohmann::json::json_pointer ptr;
    const std::string& path = schema_->keys()[i].path;
    for (std::size_t start = 0;;) {
      const auto dot = path.find('.', start);
      ptr /= path.substr(start, dot - start);
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    if (!values_[i]) {
      out[ptr] = nullptr;
      continue;
    }
    std::visit([&](const auto& v) { out[ptr] = v; }, *values_[i]);
  }
  return out;
}

}  // namespace hamlet::train
