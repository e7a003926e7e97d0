#pragma once
// Dataset entries as model graphs (training, validation, evaluation).
#include <filesystem>
#include <functional>
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

// Reads the entries and builds their graphs with targets; `each` (when given) sees every one as
// it is made, before the next is read (to use its matrices and release them: release_matrices).
// Throws hamlet::Error naming the file and entry for open-shell entries, missing H_SAP when the
// model needs it, unknown elements.
std::vector<LabelledGraph> load_labelled_graphs(const data::DatasetReader& reader,
                                                const std::vector<size_t>& positions,
                                                const ModelBasis& basis, const ModelConfig& config,
                                                const std::function<void(LabelledGraph&)>& each = {});

// Frees the entry's matrices once its graph and training targets are made: all of them, or
// with `keep_validation_ones` all but S, H_SAP, F and the orbital energies, from which validation
// makes its full-matrix errors and loss-term targets batch by batch. Header data stays.
void release_matrices(data::Entry& entry, bool keep_validation_ones);

// Reader positions of the input indices (throws if an index is not in the file).
std::vector<size_t> positions_of(const data::DatasetReader& reader, const std::vector<std::int64_t>& indices);

}  // namespace hamlet::model
