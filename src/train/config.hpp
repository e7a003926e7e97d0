#pragma once
// Typed configuration with a schema (for `hamlet train CONFIG.yaml --set key=value`).
//
// A ConfigSchema declares keys by dotted path ("optim.lr"; each dot is a YAML map level), with a
// type, a default (or none: required), a one-line doc and optional validation (range, choices,
// a custom check). Loading checks every key of the YAML file against the schema and reports
// errors as hamlet::Error with file:line (unknown keys get a "did you mean" suggestion), so a
// typo never silently falls back to a default. A Config is the validated result: typed get<T>(),
// dump to commented YAML (loadable again) and to JSON (stored in checkpoints).
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "core/error.hpp"

namespace hamlet::train {

enum class ValueType { Int, Double, Bool, String, StringList, IntList, DoubleList };
// Alternatives in the order of ValueType, so value.index() == int(type).
using Value = std::variant<std::int64_t, double, bool, std::string, std::vector<std::string>,
                           std::vector<std::int64_t>, std::vector<double>>;

std::string type_name(ValueType type);    // "integer", "number", "list of strings", ...
std::string a_type_name(ValueType type);  // with the article: "an integer", "a number"
std::string value_to_string(const Value& value);  // YAML flow syntax: 3, 0.001, "x", [1, 2]

class Config;

// One key of a schema. The chainable setters are used right after ConfigSchema::add*().
struct KeySpec {
  std::string path;
  ValueType type = ValueType::String;
  std::optional<Value> default_value;  // nullopt: required
  std::string doc;
  // Numbers (and the elements of number lists): min <= v <= max; exclusive bounds when flagged.
  std::optional<double> min, max;
  bool min_exclusive = false, max_exclusive = false;
  std::vector<std::string> choices;  // strings (and string-list elements); empty: any
  // Custom validation: returns an error message, or nullopt when the value is fine.
  std::function<std::optional<std::string>(const Value&)> check;

  KeySpec& at_least(double lo) { min = lo; min_exclusive = false; return *this; }
  KeySpec& above(double lo) { min = lo; min_exclusive = true; return *this; }
  KeySpec& at_most(double hi) { max = hi; max_exclusive = false; return *this; }
  KeySpec& below(double hi) { max = hi; max_exclusive = true; return *this; }
  KeySpec& range(double lo, double hi) { return at_least(lo).at_most(hi); }
  KeySpec& one_of(std::vector<std::string> c) { choices = std::move(c); return *this; }
  KeySpec& validate(std::function<std::optional<std::string>(const Value&)> f) {
    check = std::move(f);
    return *this;
  }

  bool required() const { return !default_value; }
  // Error message for a value of the right type that breaks range/choices/check, else nullopt.
  std::optional<std::string> violation(const Value& value) const;
  // "[0, 8]", "> 0", "random|molecule|size", "" (for doc comments and errors).
  std::string constraint_text() const;
};

class ConfigSchema {
 public:
  // Declaring a key twice, a key that is also a section ("model" and "model.lmax"), or a default
  // of another type throws hamlet::Error (programming errors; the schema test also checks that
  // every default passes its key's validation).
  KeySpec& add(std::string path, ValueType type, std::optional<Value> default_value,
               std::string doc);
  // (Out of line: GCC 12 warns falsely about the variant when these are inlined at -O1.)
  KeySpec& add_int(std::string path, std::int64_t def, std::string doc);
  KeySpec& add_double(std::string path, double def, std::string doc);
  KeySpec& add_bool(std::string path, bool def, std::string doc);
  KeySpec& add_string(std::string path, std::string def, std::string doc);
  KeySpec& add_choice(std::string path, std::string def, std::vector<std::string> choices,
                      std::string doc) {
    return add_string(std::move(path), std::move(def), std::move(doc)).one_of(std::move(choices));
  }
  KeySpec& add_required(std::string path, ValueType type, std::string doc) {
    return add(std::move(path), type, std::nullopt, std::move(doc));
  }
  // A check across keys, run once all keys are set; returns an error message or nullopt. The
  // error is located where `key` was set (file:line, --set, or default).
  void add_check(std::string key, std::function<std::optional<std::string>(const Config&)> f);

  const std::deque<KeySpec>& keys() const { return keys_; }  // declaration order
  const KeySpec* find(std::string_view path) const;           // nullptr if not a key
  std::size_t position(std::string_view path) const;          // index in keys(), or npos
  bool is_section(std::string_view path) const;               // some key starts with "path."
  // Closest known key (or section) to a misspelt path, "" when nothing is close.
  std::string suggest(std::string_view path) const;

  struct CrossCheck {
    std::string key;
    std::function<std::optional<std::string>(const Config&)> fn;
  };
  const std::vector<CrossCheck>& checks() const { return checks_; }

 private:
  std::deque<KeySpec> keys_;  // deque: references returned by add() stay valid
  std::map<std::string, std::size_t, std::less<>> index_;
  std::vector<CrossCheck> checks_;
};

class Config {
 public:
  // All keys at their defaults; required keys unset (get() on them throws).
  explicit Config(const ConfigSchema& schema);

  // Typed access. T: bool, double, std::string, any integer type (range-checked), or
  // std::vector of std::string / std::int64_t / double. Throws hamlet::Error when the key is not
  // in the schema, T does not match its type, or a required key is unset.
  template <class T>
  T get(std::string_view key) const;

  bool is_set(std::string_view key) const;
  // Where the value came from: "file.yaml:12", "--set", "default", or "" when unset.
  std::string origin(std::string_view key) const;
  // Set a validated value (type must match exactly; ints are not promoted to doubles here).
  void set(std::string_view key, Value value, std::string origin = "code");
  // Apply "key=value" (value parsed with the key's type; a list also takes "[a, b]" or a single
  // element). Errors name the override.
  void apply_override(std::string_view assignment);
  // Throws hamlet::Error naming every unset required key (and the source), then runs the
  // schema's cross-key checks.
  void check_complete(const std::string& source) const;

  const ConfigSchema& schema() const { return *schema_; }
  // All keys, nested by section, each preceded by its doc line as a comment. Loading the text
  // with parse_config() gives back an equal Config. Unset required keys are written as null.
  std::string to_yaml(const std::string& header = "") const;
  nlohmann::json to_json() const;  // nested objects; unset required keys are null

  // Equal values for every key (origins are not compared).
  friend bool operator==(const Config& a, const Config& b);

 private:
  const Value& value_of(std::string_view key, ValueType want, const char* cxx_type) const;
  std::size_t index_of(std::string_view key) const;

  std::shared_ptr<const ConfigSchema> schema_;
  std::vector<std::optional<Value>> values_;  // parallel to schema_->keys()
  std::vector<std::string> origins_;
};

// Parse YAML text (source_name is used in error messages), apply the overrides, check that the
// configuration is complete. The file variant reads `file` and names it in errors.
Config parse_config(const ConfigSchema& schema, std::string_view yaml_text,
                    const std::string& source_name,
                    const std::vector<std::string>& overrides = {});
Config load_config(const ConfigSchema& schema, const std::filesystem::path& file,
                   const std::vector<std::string>& overrides = {});
// Inverse of Config::to_json() (JSON from a checkpoint).
Config config_from_json(const ConfigSchema& schema, const nlohmann::json& json);

// hamlet's training schema (src/train/training_schema.cpp: the one list of keys).
const ConfigSchema& training_schema();

// ---- implementation of get<T> ----
template <class T>
T Config::get(std::string_view key) const {
  if constexpr (std::is_same_v<T, bool>) {
    return std::get<bool>(value_of(key, ValueType::Bool, "bool"));
  } else if constexpr (std::is_integral_v<T>) {
    const std::int64_t v = std::get<std::int64_t>(value_of(key, ValueType::Int, "integer"));
    if (!std::in_range<T>(v))
      throw Error("config key '" + std::string(key) + "' = " + std::to_string(v) +
                  " does not fit the requested integer type");
    return static_cast<T>(v);
  } else if constexpr (std::is_same_v<T, double>) {
    return std::get<double>(value_of(key, ValueType::Double, "double"));
  } else if constexpr (std::is_same_v<T, std::string>) {
    return std::get<std::string>(value_of(key, ValueType::String, "std::string"));
  } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
    return std::get<std::vector<std::string>>(
        value_of(key, ValueType::StringList, "std::vector<std::string>"));
  } else if constexpr (std::is_same_v<T, std::vector<std::int64_t>>) {
    return std::get<std::vector<std::int64_t>>(
        value_of(key, ValueType::IntList, "std::vector<std::int64_t>"));
  } else if constexpr (std::is_same_v<T, std::vector<double>>) {
    return std::get<std::vector<double>>(
        value_of(key, ValueType::DoubleList, "std::vector<double>"));
  } else {
    static_assert(!sizeof(T), "Config::get<T>: unsupported type");
  }
}

}  // namespace hamlet::train
