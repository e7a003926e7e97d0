#include "model/dataset_graphs.hpp"

#include <set>

#include "core/elements.hpp"
#include "core/error.hpp"

namespace hamlet::model {

std::vector<int> elements_of(const data::DatasetReader& reader, const std::vector<size_t>& positions) {
  std::set<int> z;
  for (size_t p : positions)
    for (int a : reader.read(p, data::EntryParts::header).atomic_numbers) z.insert(a);
  return {z.begin(), z.end()};
}

BasisLibrary basis_of(const data::DatasetReader& reader, const std::vector<int>& elements) {
  const BasisLibrary& all = reader.metadata().basis;
  BasisLibrary out;
  out.name = all.name;
  out.file = all.file;
  for (int Z : elements) {
    auto it = all.shells.find(Z);
    if (it == all.shells.end())
      throw Error(reader.path().string(), 0,
                  "the stored basis has no functions for element " + std::string(element_symbol(Z)));
    out.shells[Z] = it->second;
  }
  return out;
}

std::vector<LabelledGraph> load_labelled_graphs(const data::DatasetReader& reader,
                                                const std::vector<size_t>& positions,
                                                const ModelBasis& basis, const ModelConfig& config,
                                                const std::function<void(LabelledGraph&)>& each) {
  std::vector<LabelledGraph> out;
  out.reserve(positions.size());
  const bool need_sap = config.uses_sap() || config.delta();
  for (size_t p : positions) {
    LabelledGraph lg;
    lg.entry = reader.read(p);
    const auto& e = lg.entry;
    const std::string where = "entry " + std::to_string(e.index) + " (" + e.source + ")";
    if (!e.restricted || e.fock.size() != 1)
      throw Error(reader.path().string(), 0, where + " is open-shell; the model learns restricted Fock matrices only");
    if (need_sap && e.H_sap.size() == 0)
      throw Error(reader.path().string(), 0,
                  where + " has no H_SAP (dataset made with --guess core); model.type sap and target delta need it");
    const Eigen::MatrixXd sap = e.H_sap.size() ? e.H_sap : Eigen::MatrixXd::Zero(e.nbf, e.nbf);
    try {
      lg.graph = make_graph(basis, e.atomic_numbers, e.positions, e.S, sap, e.fock[0], config.cutoff);
    } catch (const Error& err) {
      throw Error(reader.path().string(), 0, where + ": " + err.what());
    }
    if (each) each(lg);
    out.push_back(std::move(lg));
  }
  return out;
}

void release_matrices(data::Entry& entry, bool keep_validation_ones) {
  entry.H_core = Eigen::MatrixXd();
  entry.density = Eigen::MatrixXd();
  entry.spin_density = {};
  if (keep_validation_ones) return;
  entry.S = Eigen::MatrixXd();
  entry.H_sap = Eigen::MatrixXd();
  entry.fock = {};
  entry.orbital_energies = {};
}

std::vector<size_t> positions_of(const data::DatasetReader& reader, const std::vector<std::int64_t>& indices) {
  std::vector<size_t> out;
  for (auto i : indices) {
    auto p = reader.find(i);
    if (!p) throw Error(reader.path().string(), 0, "no entry with index " + std::to_string(i));
    out.push_back(*p);
  }
  return out;
}

}  // namespace hamlet::model
