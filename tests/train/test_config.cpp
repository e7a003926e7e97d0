// Config schema: defaults, overrides, every error kind with file:line, round trips, validation.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "train/config.hpp"

namespace hamlet::train {
namespace {

// Runs f, expects hamlet::Error whose message contains every one of `parts`.
template <class F>
void expect_error(F&& f, std::initializer_list<std::string> parts) {
  try {
    f();
    ADD_FAILURE() << "no error thrown";
  } catch (const Error& e) {
    const std::string what = e.what();
    for (const auto& p : parts) EXPECT_NE(what.find(p), std::string::npos) << what << "\n  lacks: " << p;
  }
}

const std::string kMinimal = "data:\n  train: set.h5\n";

Config parse(const std::string& text, const std::vector<std::string>& overrides = {}) {
  return parse_config(training_schema(), text, "cfg.yaml", overrides);
}

TEST(Config, DefaultsFilledIn) {
  const Config c = parse(kMinimal);
  EXPECT_EQ(c.get<std::string>("data.train"), "set.h5");
  EXPECT_EQ(c.get<std::string>("data.validation"), "");
  EXPECT_EQ(c.get<std::string>("data.split"), "molecule");
  EXPECT_DOUBLE_EQ(c.get<double>("optim.lr"), 3e-3);
  EXPECT_EQ(c.get<int>("model.lmax"), 4);
  EXPECT_EQ(c.get<std::int64_t>("optim.epochs"), 200);
  EXPECT_EQ(c.get<std::size_t>("optim.batch_size"), 4u);
  EXPECT_EQ(c.get<std::string>("model.hidden_irreps"), "32x0e+16x1o+16x1e+8x2e+8x2o+4x3o+4x3e+4x4e");
  EXPECT_EQ(c.origin("optim.lr"), "default");
  EXPECT_EQ(c.origin("data.train"), "cfg.yaml:2");
}

TEST(Config, FileValuesAndDottedKeys) {
  const Config c = parse(
      "data:\n  train: a.h5\n  split: size\nmodel:\n  lmax: 6\n  cutoff_bohr: 8\n"
      "optim.lr: 1e-4\n"  // a dotted key at top level is the same key
      "run:\n  out: 'runs/x y'\n");
  EXPECT_EQ(c.get<std::string>("data.split"), "size");
  EXPECT_EQ(c.get<int>("model.lmax"), 6);
  EXPECT_DOUBLE_EQ(c.get<double>("model.cutoff_bohr"), 8.0);  // integer text for a number key
  EXPECT_DOUBLE_EQ(c.get<double>("optim.lr"), 1e-4);
  EXPECT_EQ(c.get<std::string>("run.out"), "runs/x y");
  EXPECT_EQ(c.origin("model.lmax"), "cfg.yaml:5");
}

TEST(Config, EmptySectionMeansDefaults) {
  const Config c = parse(kMinimal + "model:\n");
  EXPECT_EQ(c.get<int>("model.layers"), 3);
}

TEST(Config, OverridesAppliedAfterFile) {
  const Config c = parse(kMinimal + "optim:\n  lr: 1e-3\n",
                         {"optim.lr=5e-4", "model.dtype=float64", "data.validation=v:1.h5",
                          "run.seed=+7"});
  EXPECT_DOUBLE_EQ(c.get<double>("optim.lr"), 5e-4);
  EXPECT_EQ(c.get<std::string>("model.dtype"), "float64");
  EXPECT_EQ(c.get<std::string>("data.validation"), "v:1.h5");  // strings verbatim
  EXPECT_EQ(c.get<int>("run.seed"), 7);
  EXPECT_EQ(c.origin("optim.lr"), "--set");
  // An override can supply the required key.
  EXPECT_EQ(parse("", {"data.train=x.h5"}).get<std::string>("data.train"), "x.h5");
}

TEST(Config, UnknownKeyWithSuggestion) {
  expect_error([] { parse(kMinimal + "model:\n  lamx: 3\n"); },
               {"cfg.yaml:4:", "unknown key 'model.lamx'", "did you mean 'model.lmax'"});
  expect_error([] { parse(kMinimal + "lr: 0.1\n"); },
               {"cfg.yaml:3:", "unknown key 'lr'", "did you mean 'optim.lr'"});
  expect_error([] { parse(kMinimal + "modle:\n  lmax: 3\n"); },
               {"cfg.yaml:3:", "unknown key 'modle'", "did you mean 'model'"});
  expect_error([] { parse(kMinimal + "optim:\n  completely_different: 1\n"); },
               {"cfg.yaml:4:", "unknown key 'optim.completely_different'"});
  try {
    parse(kMinimal + "optim:\n  completely_different: 1\n");
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).find("did you mean"), std::string::npos) << e.what();
    EXPECT_EQ(e.file(), "cfg.yaml");
    EXPECT_EQ(e.line(), 4);
  }
}

TEST(Config, WrongTypes) {
  expect_error([] { parse(kMinimal + "optim:\n  lr: fast\n"); },
               {"cfg.yaml:4:", "optim.lr", "expected a finite number, got 'fast'"});
  expect_error([] { parse(kMinimal + "model:\n  lmax: 2.5\n"); },
               {"cfg.yaml:4:", "model.lmax", "expected an integer, got '2.5'"});
  expect_error([] { parse(kMinimal + "model:\n  layers: [1, 2]\n"); },
               {"cfg.yaml:4:", "model.layers", "got a list"});
  expect_error([] { parse(kMinimal + "model: 3\n"); },
               {"cfg.yaml:3:", "'model' is a section"});
  expect_error([] { parse("data:\n  train:\n"); }, {"cfg.yaml:2:", "data.train", "no value"});
  expect_error([] { parse(kMinimal + "optim:\n  lr: .inf\n"); }, {"cfg.yaml:4:", "finite"});
  expect_error([] { parse("- a\n- b\n"); }, {"cfg.yaml:1:", "expected a map"});
}

TEST(Config, RangesAndChoices) {
  expect_error([] { parse(kMinimal + "model:\n  lmax: 9\n"); },
               {"cfg.yaml:4:", "model.lmax = 9", "out of range [0, 8]"});
  expect_error([] { parse(kMinimal + "optim:\n  lr: 0\n"); },
               {"cfg.yaml:4:", "optim.lr = 0.0", "out of range > 0"});
  expect_error([] { parse(kMinimal + "optim:\n  ema_decay: 1.0\n"); }, {"[0, 1)"});
  expect_error([] { parse(kMinimal + "data:\n  split: scaffold\n"); },
               {"duplicate key 'data'"});
  expect_error([] { parse("data:\n  train: a\n  split: scaffold\n"); },
               {"cfg.yaml:3:", "data.split = \"scaffold\"", "not one of random|molecule|size"});
  expect_error([] { parse(kMinimal + "model:\n  hidden_irreps: 32x0e+16x1q\n"); },
               {"cfg.yaml:4:", "malformed irreps term '16x1q'"});
  expect_error([] { parse(kMinimal + "model:\n  hidden_irreps: 8x9e\n"); }, {"l > 8"});
  expect_error([] { parse(kMinimal + "model:\n  hidden_irreps: 32x0e+\n"); }, {"term ''"});
  expect_error([] { parse(kMinimal + "model:\n  hidden_irreps: x0e\n"); }, {"malformed"});
  EXPECT_NO_THROW(parse(kMinimal + "model:\n  hidden_irreps: 32x0e + 16x1o + 2e\n"));
  // Cross-key checks are located where their key was set.
  expect_error([] { parse(kMinimal + "  validation_fraction: 0.5\n  test_fraction: 0.5\n"); },
               {"cfg.yaml:4:", "must be < 1"});
  expect_error([] { parse(kMinimal, {"optim.min_lr=0.1"}); }, {"--set", "optim.min_lr"});
}

TEST(Config, DuplicateAndMalformedYaml) {
  expect_error([] { parse(kMinimal + "optim:\n  lr: 1e-3\n  lr: 1e-4\n"); },
               {"cfg.yaml:5:", "duplicate key 'optim.lr'"});
  expect_error([] { parse("data:\n  train: [a\n"); }, {"cfg.yaml:", "YAML:"});
}

TEST(Config, MissingRequiredKeyNamed) {
  expect_error([] { parse("model:\n  lmax: 2\n"); },
               {"cfg.yaml: missing required key(s): data.train"});
  expect_error([] { parse(""); }, {"data.train"});
}

TEST(Config, BadOverrides) {
  expect_error([] { parse(kMinimal, {"optim.lr"}); }, {"--set optim.lr: expected key=value"});
  expect_error([] { parse(kMinimal, {"optim.lrr=1"}); },
               {"--set optim.lrr=1", "unknown key 'optim.lrr'", "did you mean 'optim.lr'"});
  expect_error([] { parse(kMinimal, {"optim.epochs=ten"}); },
               {"--set optim.epochs=ten", "expected an integer, got 'ten'"});
  expect_error([] { parse(kMinimal, {"optim.epochs=0"}); },
               {"--set optim.epochs=0", "out of range >= 1"});
  expect_error([] { parse(kMinimal, {"optim.loss=huber"}); }, {"not one of mse|mae|mse+mae"});
  expect_error([] { parse(kMinimal, {"optim.epochs="}); }, {"--set optim.epochs=", "no value"});
}

TEST(Config, TypedAccessErrors) {
  const Config c = parse(kMinimal);
  expect_error([&] { c.get<double>("optim.lrr"); }, {"unknown config key 'optim.lrr'", "optim.lr"});
  expect_error([&] { c.get<int>("optim.lr"); }, {"'optim.lr' is a number", "integer"});
  expect_error([&] { c.get<std::string>("model.lmax"); }, {"'model.lmax' is an integer"});
  expect_error([&] { c.get<std::uint8_t>("optim.epochs"), c.get<std::int8_t>("optim.epochs"); },
               {"does not fit"});
  const Config defaults(training_schema());
  EXPECT_FALSE(defaults.is_set("data.train"));
  expect_error([&] { defaults.get<std::string>("data.train"); }, {"not set"});
}

ConfigSchema list_schema() {
  ConfigSchema s;
  s.add_required("a.names", ValueType::StringList, "names").one_of({"x", "y", "z"});
  s.add("a.ints", ValueType::IntList, Value(std::vector<std::int64_t>{1, 2}), "ints").at_least(0);
  s.add("b.c.reals", ValueType::DoubleList, Value(std::vector<double>{0.5}), "deep section");
  s.add_bool("b.flag", false, "a flag");
  s.add_string("b.text", "quote \" back\\slash\ttab: #x", "awkward string");
  return s;
}

TEST(Config, ListsBoolsAndNestedSections) {
  const ConfigSchema s = list_schema();
  const Config c = parse_config(s, "a:\n  names: [x, z]\nb:\n  flag: yes\n  c:\n    reals: []\n",
                                "l.yaml", {"a.ints=[3, 4, 5]", "b.c.reals=2.5"});
  EXPECT_EQ(c.get<std::vector<std::string>>("a.names"), (std::vector<std::string>{"x", "z"}));
  EXPECT_EQ(c.get<std::vector<std::int64_t>>("a.ints"), (std::vector<std::int64_t>{3, 4, 5}));
  EXPECT_EQ(c.get<std::vector<double>>("b.c.reals"), std::vector<double>{2.5});  // one element
  EXPECT_TRUE(c.get<bool>("b.flag"));
  expect_error([&] { parse_config(s, "a:\n  names: [x, w]\n", "l.yaml"); },
               {"l.yaml:2:", "not one of x|y|z"});
  expect_error([&] { parse_config(s, "a:\n  names: [x]\n  ints: [1, a]\n", "l.yaml"); },
               {"l.yaml:3:", "element 2: expected an integer, got 'a'"});
  expect_error([&] { parse_config(s, "a:\n  names: x\n", "l.yaml"); },
               {"l.yaml:2:", "list"});
  expect_error([&] { parse_config(s, "a:\n  names: [x]\nb:\n  flag: maybe\n", "l.yaml"); },
               {"l.yaml:4:", "expected true or false"});
}

TEST(Config, YamlRoundTrip) {
  const Config c = parse(kMinimal, {"optim.lr=1.2345678901234567e-4", "run.out=a \"b\" #c",
                                    "model.cutoff_bohr=7", "optim.max_minutes=0.1"});
  const std::string yaml = c.to_yaml("hamlet train --print-config");
  EXPECT_NE(yaml.find("# hamlet train --print-config\n"), std::string::npos);
  EXPECT_NE(yaml.find("  # peak learning rate (range > 0; default: 0.003)\n  lr: 0.00012345678901234567"),
            std::string::npos)
      << yaml;
  EXPECT_NE(yaml.find("(required)\n  train: \"set.h5\""), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("  # how data.train is split"), std::string::npos);
  EXPECT_NE(yaml.find("cutoff_bohr: 7.0\n"), std::string::npos);
  const Config back = parse_config(training_schema(), yaml, "dump.yaml");
  EXPECT_TRUE(back == c);
  EXPECT_EQ(back.get<std::string>("run.out"), "a \"b\" #c");
  EXPECT_EQ(back.get<double>("optim.lr"), 1.2345678901234567e-4);  // bit-exact

  const ConfigSchema s = list_schema();
  const Config l = parse_config(s, "a: {names: [y]}\n", "l.yaml");
  EXPECT_TRUE(parse_config(s, l.to_yaml(), "l2.yaml") == l) << l.to_yaml();
}

TEST(Config, JsonRoundTrip) {
  const Config c = parse(kMinimal, {"optim.lr=1e-5", "optim.min_lr=1e-6", "model.lmax=2"});
  const nlohmann::json j = c.to_json();
  EXPECT_EQ(j["optim"]["lr"].get<double>(), 1e-5);
  EXPECT_EQ(j["model"]["lmax"].get<int>(), 2);
  EXPECT_TRUE(j["model"]["lmax"].is_number_integer());
  EXPECT_EQ(j["data"]["train"], "set.h5");
  EXPECT_TRUE(config_from_json(training_schema(), j) == c);
  EXPECT_TRUE(config_from_json(training_schema(), nlohmann::json::parse(j.dump())) == c);
  const ConfigSchema s = list_schema();
  const Config l = parse_config(s, "a: {names: [y, x]}\n", "l.yaml");
  EXPECT_TRUE(config_from_json(s, l.to_json()) == l) << l.to_json().dump();
  EXPECT_FALSE(config_from_json(s, l.to_json()) == parse_config(s, "a: {names: [y]}", "x"));
}

TEST(Config, LoadFileNamesIt) {
  const auto dir = std::filesystem::temp_directory_path() / "hamlet_test_config";
  std::filesystem::create_directories(dir);
  const auto path = dir / "train.yaml";
  std::ofstream(path) << "data:\n  train: t.h5\noptim:\n  batch_size: 0\n";
  expect_error([&] { load_config(training_schema(), path); },
               {path.string() + ":4:", "optim.batch_size = 0"});
  // File values are validated as read: an override does not excuse a bad file line.
  expect_error([&] { load_config(training_schema(), path, {"optim.batch_size=8"}); },
               {path.string() + ":4:"});
  std::ofstream(path) << "data:\n  train: t.h5\n";
  EXPECT_EQ(load_config(training_schema(), path, {"optim.batch_size=8"}).get<int>("optim.batch_size"),
            8);
  expect_error([&] { load_config(training_schema(), dir / "missing.yaml"); }, {"cannot open"});
  std::filesystem::remove_all(dir);
}

TEST(ConfigSchema, DeclarationErrors) {
  ConfigSchema s;
  s.add_int("a.b", 1, "x");
  expect_error([&] { s.add_int("a.b", 1, "x"); }, {"declared twice"});
  expect_error([&] { s.add_int("a", 1, "x"); }, {"already a section"});
  expect_error([&] { s.add_int("a.b.c", 1, "x"); }, {"already a key"});
  expect_error([&] { s.add("c", ValueType::Double, Value(std::int64_t{1}), "x"); },
               {"default is an integer, not a number"});
  expect_error([&] { s.add_int("bad..path", 1, "x"); }, {"malformed"});
  // Every default of the training schema passes its own validation and docs are one line.
  for (const auto& k : training_schema().keys()) {
    EXPECT_FALSE(k.doc.empty()) << k.path;
    EXPECT_EQ(k.doc.find('\n'), std::string::npos) << k.path;
    if (k.default_value) {
      EXPECT_FALSE(k.violation(*k.default_value)) << k.path;
    }
  }
  EXPECT_EQ(training_schema().keys().size(), 39u);
}

}  // namespace
}  // namespace hamlet::train
