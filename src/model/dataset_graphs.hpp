#pragma once
// Dataset entries as model graphs (training, validation, evaluation).
#include <filesystem>
#include <vector>

#include "data/dataset.hpp"
#include "data/dataset_reader.hpp"
#include "model/graph.hpp"
#include "model/hamiltonian_model.hpp"

namespace hamlet::model {

struct LabelledGraph {
  data::Entry entry;  // the stored structure with its matrices
  MoleculeGraph graph;
};

// Atomic numbers present in the entries at `positions` (reader positions).
std::vector<int> elements_of(const data::DatasetReader& reader, const std::vector<size_t>& positions);

// The basis definitions of `elements` from the dataset (the library stored in the file).
BasisLibrary basis_of(const data::DatasetReader& reader, const std::vector<int>& elements);

// Reads the entries and builds their graphs with targets. Throws hamlet::Error naming the file
// and entry for open-shell entries, missing H_SAP when the model needs it, unknown elements.
std::vector<LabelledGraph> load_labelled_graphs(const data::DatasetReader& reader,
                                                const std::vector<size_t>& positions,
                                                const ModelBasis& basis, const ModelConfig& config);

// Reader positions of the input indices (throws if an index is not in the file).
std::vector<size_t> positions_of(const data::DatasetReader& reader, const std::vector<std::int64_t>& indices);

}  // namespace hamlet::model
