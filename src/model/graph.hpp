#pragma once
// Molecules as model inputs: the atom graph within a cutoff and the AO blocks of each atom and
// atom pair as coupled irreps (block algebra), padded into the basis-wide "union" irreps.
//
// Edge e = (i, j) stands for the off-site block F_ij (rows on atom i, columns on atom j); both
// directions are present, reverse[e] is (j, i). Groups: on-site blocks are grouped by element,
// off-site blocks by ordered element pair (a * n_elements + b); every group has its own layout
// inside the union irreps.
#include <ATen/core/Tensor.h>

#include <Eigen/Core>
#include <map>
#include <string>
#include <vector>

#include "basis/gaussian94.hpp"
#include "chem/molecule.hpp"
#include "equivariant/block_algebra.hpp"

namespace hamlet::model {

// The basis a model is built for: per-element shells and their block layouts.
struct ModelBasis {
  std::string name;                          // e.g. "def2-svp"
  std::vector<int> elements;                 // sorted atomic numbers
  std::map<int, std::vector<int>> shell_ls;  // shell l's per element, file order
  equivariant::BasisIrreps irreps;

  // Per element: AO count, and the positions of its on-site layout in the on-site union.
  std::vector<int> nao;
  std::vector<at::Tensor> onsite_index;  // int64 [layout dim]
  // Per ordered pair group a * n + b: positions of the off-site layout in the off-site union,
  // and the union-space map of transposition: the block B^T of group (b, a) has coupled union
  // vector u(B) @ transpose_map[a * n + b] (a signed permutation).
  std::vector<at::Tensor> offsite_index;
  std::vector<at::Tensor> transpose_map;  // double [U_off, U_off]
  // The same maps as gathers: u(B)[:, transpose_index[g]] * transpose_sign[g] = u(B) @ map[g].
  std::vector<at::Tensor> transpose_index;  // int64 [U_off]
  std::vector<at::Tensor> transpose_sign;   // double [U_off], 0 outside the target layout
  // Mask of the layout in the union (1 inside the layout, 0 elsewhere), per group.
  at::Tensor onsite_mask;   // double [n, U_on]
  at::Tensor offsite_mask;  // double [n * n, U_off]
  // Weight of each on-site coupled component in the sum of squares over the block's elements
  // (2 for shell pairs s1 < s2, whose block appears twice in F; 1 otherwise; 0 outside).
  at::Tensor onsite_multiplicity;  // double [n, U_on]

  int n_elements() const { return static_cast<int>(elements.size()); }
  // Throws hamlet::Error when the model does not know element Z.
  int element_index(int Z) const;
  int pair_group(int a, int b) const { return a * n_elements() + b; }
};

// Layouts for `elements` from a basis library (throws hamlet::Error naming a missing element).
ModelBasis make_model_basis(const BasisLibrary& library, const std::string& name,
                            std::vector<int> elements);

// One molecule. Coupled features are float64 in the union irreps, zero outside the layout.
struct MoleculeGraph {
  at::Tensor element;      // int64 [n] index into ModelBasis::elements
  at::Tensor positions;    // double [n, 3], Bohr
  at::Tensor edge_index;   // int64 [2, E]: (i, j)
  at::Tensor reverse;      // int64 [E]
  at::Tensor onsite_sap;   // [n, U_on]   H_SAP on-site blocks
  at::Tensor edge_sap;     // [E, U_off]  H_SAP off-site blocks
  at::Tensor edge_overlap; // [E, U_off]  S off-site blocks
  at::Tensor onsite_target;  // [n, U_on] (undefined without a target)
  at::Tensor edge_target;    // [E, U_off]
  std::vector<int> ao_begin;  // first AO of each atom, size n + 1
  bool target_is_correction = false;  // the targets hold F - H_SAP (compact_for_training)
};

// Builds the graph of atoms within `cutoff` (Bohr). Matrices in hamlet AO order for this
// basis; `target` may be empty (prediction). Throws hamlet::Error on size mismatches or NaN.
MoleculeGraph make_graph(const ModelBasis& basis, const std::vector<int>& atomic_numbers,
                         const Eigen::Matrix<double, Eigen::Dynamic, 3>& positions_bohr,
                         const Eigen::MatrixXd& S, const Eigen::MatrixXd& H_sap,
                         const Eigen::MatrixXd& target, double cutoff);
// The same for a molecule (its atomic numbers and positions), without a target.
MoleculeGraph make_graph(const ModelBasis& basis, const Molecule& molecule, const Eigen::MatrixXd& S,
                         const Eigen::MatrixXd& H_sap, double cutoff);

// Shrinks a graph that training holds: for delta models the targets become F - H_SAP (formed
// in float64, so the correction keeps its precision), then every block takes `dtype` (the
// model's; float32 halves the graph).
void compact_for_training(MoleculeGraph& graph, bool delta, at::ScalarType dtype);

// Several molecules as one disconnected graph (indices offset), plus per-molecule bookkeeping.
struct GraphBatch {
  at::Tensor element, positions, edge_index, reverse;
  at::Tensor onsite_sap, edge_sap, edge_overlap, onsite_target, edge_target;
  at::Tensor node_molecule;  // int64 [N] molecule of each atom
  int64_t n_molecules = 0;
  bool target_is_correction = false;  // all graphs' (collate requires them to agree)
};
GraphBatch collate(const std::vector<const MoleculeGraph*>& graphs);

// Assembles the full matrix of one molecule from union-space blocks (float64 accepted in any
// dtype): on-site [n, U_on], off-site [E, U_off] over graph's edges. Pairs without an edge
// (beyond the cutoff) are taken from `outside` (zero when empty).
Eigen::MatrixXd assemble_matrix(const ModelBasis& basis, const MoleculeGraph& graph,
                                const at::Tensor& onsite, const at::Tensor& offsite,
                                const Eigen::MatrixXd& outside);

}  // namespace hamlet::model
