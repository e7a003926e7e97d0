#include "model/checkpoint.hpp"

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "hamlet/version.hpp"

namespace hamlet::model {
namespace {

constexpr const char* kFormat = "hamlet-model";
// 2: meta.sap_method (a version 1 reader would compute grid H_SAP inputs for an erf-trained
// model); version 1 files load with sap_method "grid".
constexpr int kFormatVersion = 2;

nlohmann::json state_to_json(const TrainingState& s) {
  return {{"epoch", s.epoch},
          {"step", s.step},
          {"best_validation", s.best_validation},
          {"best_epoch", s.best_epoch},
          {"epochs_without_improvement", s.epochs_without_improvement},
          {"learning_rate", s.learning_rate},
          {"elapsed_seconds", s.elapsed_seconds}};
}

TrainingState state_from_json(const nlohmann::json& j) {
  TrainingState s;
  s.epoch = j.at("epoch");
  s.step = j.at("step");
  s.best_validation = j.at("best_validation");
  s.best_epoch = j.at("best_epoch");
  s.epochs_without_improvement = j.at("epochs_without_improvement");
  s.learning_rate = j.at("learning_rate");
  s.elapsed_seconds = j.at("elapsed_seconds");
  return s;
}

[[noreturn]] void fail(const std::filesystem::path& path, const std::string& why) {
  throw Error(path.string(), 0, "not a usable hamlet model checkpoint: " + why);
}

}  // namespace

nlohmann::json model_config_to_json(const ModelConfig& c) {
  return {{"type", c.type},           {"target", c.target},         {"cutoff_bohr", c.cutoff},
          {"hidden_irreps", c.hidden_irreps}, {"pair_irreps", c.pair_irreps}, {"lmax", c.lmax},
          {"layers", c.layers},       {"radial_basis", c.radial_basis}, {"radial_hidden", c.radial_hidden},
          {"overlap_filter", c.overlap_filter}};
}

ModelConfig model_config_from_json(const nlohmann::json& j) {
  ModelConfig c;
  c.type = j.at("type");
  c.target = j.at("target");
  c.cutoff = j.at("cutoff_bohr");
  c.hidden_irreps = j.at("hidden_irreps");
  c.pair_irreps = j.at("pair_irreps");
  c.lmax = j.at("lmax");
  c.layers = j.at("layers");
  c.radial_basis = j.at("radial_basis");
  c.radial_hidden = j.at("radial_hidden");
  c.overlap_filter = j.value("overlap_filter", 0.0);  // checkpoints before the filter: none
  return c;
}

nlohmann::json basis_library_to_json(const BasisLibrary& b) {
  nlohmann::json elements = nlohmann::json::object();
  for (const auto& [Z, shells] : b.shells) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& s : shells)
      list.push_back({{"l", s.l}, {"exponents", s.exponents}, {"coefficients", s.coefficients}});
    elements[std::to_string(Z)] = list;
  }
  return {{"name", b.name}, {"elements", elements}};
}

BasisLibrary basis_library_from_json(const nlohmann::json& j) {
  BasisLibrary b;
  b.name = j.at("name");
  for (const auto& [key, list] : j.at("elements").items())
    for (const auto& s : list) {
      ShellDefinition d;
      d.l = s.at("l");
      d.exponents = s.at("exponents").get<std::vector<double>>();
      d.coefficients = s.at("coefficients").get<std::vector<double>>();
      b.shells[std::stoi(key)].push_back(d);
    }
  return b;
}

void save_checkpoint(const std::filesystem::path& path, HamiltonianModel& weights,
                     const ModelProvenance& provenance, const nlohmann::json& training_config,
                     const TrainingState& state, HamiltonianModel* ema, torch::optim::Optimizer* optimizer) {
  nlohmann::json meta = {{"format", kFormat},
                         {"format_version", kFormatVersion},
                         {"hamlet_version", kVersion},
                         {"dtype", weights->dtype() == torch::kFloat64 ? "float64" : "float32"},
                         {"elements", weights->basis().elements},
                         {"model", model_config_to_json(weights->config())},
                         {"basis", basis_library_to_json(provenance.basis)},
                         {"method", provenance.method},
                         {"sap_grid_level", provenance.sap_grid_level},
                         {"sap_method", provenance.sap_method},
                         {"training", training_config},
                         {"state", state_to_json(state)}};
  if (!provenance.domain.empty()) meta["training_domain"] = training_domain_to_json(provenance.domain);
  torch::serialize::OutputArchive archive;
  archive.write("meta", c10::IValue(meta.dump()));
  torch::serialize::OutputArchive model_archive;
  weights->save(model_archive);
  archive.write("model", model_archive);
  if (ema) {
    torch::serialize::OutputArchive a;
    (*ema)->save(a);
    archive.write("ema", a);
  }
  if (optimizer) {
    torch::serialize::OutputArchive a;
    optimizer->save(a);
    archive.write("optimizer", a);
  }
  AtomicFile out(path, true);
  archive.save_to(out.stream());
  if (!out.stream()) throw Error(path.string(), 0, "cannot write the checkpoint");
  out.commit();
}

LoadedModel load_checkpoint(const std::filesystem::path& path) {
  if (!std::filesystem::exists(path)) throw Error(path.string(), 0, "no such model checkpoint");
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(path.string());
  } catch (const std::exception& e) {
    fail(path, std::string("cannot read it (truncated or corrupted?): ") + e.what());
  }
  LoadedModel out;
  try {
    c10::IValue meta_value;
    if (!archive.try_read("meta", meta_value) || !meta_value.isString()) fail(path, "no meta record");
    out.meta = nlohmann::json::parse(meta_value.toStringRef());
    if (out.meta.value("format", "") != kFormat) fail(path, "format is not " + std::string(kFormat));
    if (out.meta.at("format_version").get<int>() > kFormatVersion)
      fail(path, "written by a newer hamlet (format version " + out.meta.at("format_version").dump() + ")");
    out.provenance.basis = basis_library_from_json(out.meta.at("basis"));
    out.provenance.method = out.meta.at("method");
    out.provenance.sap_grid_level = out.meta.at("sap_grid_level");
    out.provenance.sap_method = out.meta.value("sap_method", "grid");  // version 1: grid
    out.state = state_from_json(out.meta.at("state"));
    if (out.meta.contains("training_domain"))  // absent before hamlet recorded it: no check
      out.provenance.domain = training_domain_from_json(out.meta.at("training_domain"));
    const ModelConfig config = model_config_from_json(out.meta.at("model"));
    const auto elements = out.meta.at("elements").get<std::vector<int>>();
    out.model = HamiltonianModel(config, make_model_basis(out.provenance.basis, out.provenance.basis.name, elements));
    if (out.meta.at("dtype") == "float64") out.model->to(torch::kFloat64);
    torch::serialize::InputArchive model_archive;
    if (!archive.try_read("model", model_archive)) fail(path, "no model weights");
    out.model->load(model_archive);
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    fail(path, e.what());
  }
  out.model->eval();
  return out;
}

void load_training_state(const std::filesystem::path& path, HamiltonianModel& ema,
                         torch::optim::Optimizer& optimizer) {
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(path.string());
    torch::serialize::InputArchive a, o;
    if (!archive.try_read("ema", a) || !archive.try_read("optimizer", o))
      fail(path, "no training state (EMA weights and optimiser); is it a best.pt?");
    ema->load(a);
    optimizer.load(o);
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    fail(path, e.what());
  }
}

}  // namespace hamlet::model
