// The Hamiltonian model's invariants on engine inputs (S, H_SAP of real molecules):
// - graph features round-trip to the AO matrices exactly;
// - rotating (and inverting) the molecule rotates the predicted F block-wise: D F D^T
//   (float64 1e-10, float32 1e-5 relative, the bounds);
// - permuting atoms permutes the blocks; a batch equals its molecules run one by one;
// - the predicted F is exactly symmetric;
// - the overlap filter confines the correction F - H_SAP to well-conditioned overlap directions.
#include <gtest/gtest.h>
#include <Eigen/Eigenvalues>
#include <torch/torch.h>

#include "basis/basis_library.hpp"
#include "core/error.hpp"
#include "equivariant/spherical_harmonics.hpp"
#include "equivariant/testing.hpp"
#include "model/hamiltonian_model.hpp"
#include "scf/driver.hpp"
#include "support/ao_rotation.hpp"
#include "support/molecules.hpp"

using namespace hamlet;
namespace eq = hamlet::equivariant;

namespace {

const char* kMethanolXyz =
    "C -0.046 0.663 0.000\nO -0.046 -0.758 0.000\nH -1.086 0.980 0.000\n"
    "H 0.441 1.074 0.888\nH 0.441 1.074 -0.888\nH 0.868 -1.068 0.000\n";

struct Inputs {
  Molecule mol;
  std::vector<int> Z;
  Eigen::Matrix<double, Eigen::Dynamic, 3> pos;
  Eigen::MatrixXd S, H_sap, F;  // F: a stand-in target (H_SAP plus a symmetric perturbation)
};

Inputs make_inputs(const Molecule& mol) {
  Inputs in;
  in.mol = mol;
  const auto sap = scf::sap_inputs(mol, basis_library("def2-svp"), "erf", 0);
  in.S = sap.S;
  in.H_sap = sap.H_sap;
  in.F = sap.H_sap + 0.1 * sap.S;
  in.pos.resize(mol.natoms(), 3);
  for (int i = 0; i < mol.natoms(); ++i) {
    in.Z.push_back(mol.atoms[i].Z);
    in.pos.row(i) = mol.atoms[i].position.transpose();
  }
  return in;
}

model::ModelBasis water_methanol_basis() {
  return model::make_model_basis(basis_library("def2-svp"), "def2-svp", {1, 6, 8});
}

model::HamiltonianModel make_model(const model::ModelBasis& basis, const std::string& type, at::ScalarType dt) {
  torch::manual_seed(3);
  model::ModelConfig c;
  c.type = type;
  c.target = type == "sap" ? "delta" : "full";
  c.hidden_irreps = "8x0e+4x1o+4x1e+2x2e+2x2o+2x3o+2x3e+2x4e";
  c.pair_irreps = "4x0e+2x1o+2x1e+2x2e+2x2o";
  c.layers = 2;
  c.cutoff = 6.0;
  model::HamiltonianModel m(c, basis);
  m->to(dt);
  return m;
}

Eigen::MatrixXd predict(model::HamiltonianModel& m, const Inputs& in) {
  const auto g = model::make_graph(m->basis(), in.Z, in.pos, in.S, in.H_sap, Eigen::MatrixXd(), m->config().cutoff);
  const auto out = m->forward(model::collate({&g}));
  return model::predicted_fock(*m, g, out.onsite, out.offsite, in.H_sap, in.S);
}

// AO representation of "rotate by R, then invert if asked" for the molecule's basis.
Eigen::MatrixXd ao_representation(const Molecule& mol, const torch::Tensor& R, bool inversion) {
  return test::ao_representation(load_basis(mol, "def2-svp"), R, inversion);
}

// Inputs of the transformed molecule, with matrices transformed exactly (D M D^T), so that the
// test measures the model alone.
Inputs transformed_inputs(const Inputs& in, const torch::Tensor& R, bool inversion) {
  Eigen::Matrix3d Re;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) Re(i, j) = R[i][j].item<double>() * (inversion ? -1.0 : 1.0);
  Inputs out = in;
  out.mol = test::transformed(in.mol, Re, Eigen::Vector3d(0.4, -1.0, 0.2));
  for (int i = 0; i < in.mol.natoms(); ++i) out.pos.row(i) = out.mol.atoms[i].position.transpose();
  const Eigen::MatrixXd D = ao_representation(in.mol, R, inversion);
  out.S = D * in.S * D.transpose();
  out.H_sap = D * in.H_sap * D.transpose();
  out.F = D * in.F * D.transpose();
  return out;
}

double relative(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
  return (a - b).cwiseAbs().maxCoeff() / b.cwiseAbs().maxCoeff();
}

}  // namespace

TEST(ModelGraph, FeaturesRoundTripToTheMatrix) {
  const auto basis = water_methanol_basis();
  const Inputs in = make_inputs(test::molecule_from_xyz_lines(kMethanolXyz));
  const auto g = model::make_graph(basis, in.Z, in.pos, in.S, in.H_sap, in.F, 100.0);
  EXPECT_EQ(g.edge_index.size(1), 6 * 5);
  const Eigen::MatrixXd back = model::assemble_matrix(basis, g, g.onsite_target, g.edge_target, Eigen::MatrixXd());
  EXPECT_LT((back - in.F).cwiseAbs().maxCoeff(), 1e-12);
  const auto gs = model::make_graph(basis, in.Z, in.pos, in.S, in.H_sap, in.S, 100.0);
  const Eigen::MatrixXd S_back = model::assemble_matrix(basis, gs, gs.onsite_target, gs.edge_overlap, Eigen::MatrixXd());
  EXPECT_LT((S_back - in.S).cwiseAbs().maxCoeff(), 1e-12);
}

// Training holds its graphs compacted: F - H_SAP formed in float64, then rounded once to float32,
// so each correction element is within float32's half-ulp of itself (2^-24 relative), not of F
// (core on-site elements of F are ~20 Eh, their corrections ~0.1 Eh). The model's loss sees the
// same corrections either way, and a batch cannot mix the two kinds of target.
TEST(ModelGraph, CompactedGraphsKeepTheCorrectionsPrecision) {
  const auto basis = water_methanol_basis();
  const Inputs in = make_inputs(test::molecule_from_xyz_lines(kMethanolXyz));
  const auto full = model::make_graph(basis, in.Z, in.pos, in.S, in.H_sap, in.F, 100.0);
  auto compact = full;
  model::compact_for_training(compact, true, at::kFloat);
  EXPECT_TRUE(compact.target_is_correction);
  for (const auto& [t32, t64] : {std::pair{compact.onsite_target, full.onsite_target - full.onsite_sap},
                                 std::pair{compact.edge_target, full.edge_target - full.edge_sap}}) {
    EXPECT_EQ(t32.scalar_type(), at::kFloat);
    const at::Tensor error = (t32.to(at::kDouble) - t64).abs();
    EXPECT_TRUE(at::all(error <= std::ldexp(1.0, -24) * t64.abs()).item<bool>())
        << "largest error " << error.max().item<double>();
  }
  EXPECT_EQ(compact.edge_overlap.scalar_type(), at::kFloat);
  auto m = make_model(basis, "sap", torch::kFloat32);
  m->fit_normalization({&full});
  torch::NoGradGuard no_grad;
  const auto out = m->forward(model::collate({&full}));
  const double loss_full = m->loss(out, model::collate({&full}), "mse").item<double>();
  const double loss_compact = m->loss(out, model::collate({&compact}), "mse").item<double>();
  EXPECT_NEAR(loss_compact, loss_full, 1e-6 * loss_full);
  EXPECT_THROW(model::collate({&full, &compact}), hamlet::Error);
}

TEST(ModelGraph, TransposeMapsAreSignedPermutations) {
  const auto basis = water_methanol_basis();
  for (const auto& M : basis.transpose_map) {
    EXPECT_TRUE(at::all(M.abs().sum(0) <= 1).item<bool>());  // at most one entry per column
    EXPECT_TRUE(at::all((M == 0) | (M == 1) | (M == -1)).item<bool>());
  }
  // The gather form used in the forward pass equals the dense map.
  const auto u = at::randn({3, basis.transpose_map[0].size(0)}, at::kDouble);
  for (size_t g = 0; g < basis.transpose_map.size(); ++g)
    EXPECT_TRUE(at::allclose(u.index_select(1, basis.transpose_index[g]) * basis.transpose_sign[g],
                             u.matmul(basis.transpose_map[g])));
  // (B^T)^T = B: the map of (a, b) followed by that of (b, a) is the identity on the layout.
  const int n = basis.n_elements();
  for (int a = 0; a < n; ++a)
    for (int b = 0; b < n; ++b) {
      const auto round = basis.transpose_map[a * n + b].matmul(basis.transpose_map[b * n + a]);
      EXPECT_TRUE(at::allclose(round, at::diag(basis.offsite_mask[a * n + b])));
    }
}

TEST(ModelGraph, UnknownElementAndBadMatricesAreClearErrors) {
  const auto basis = model::make_model_basis(basis_library("def2-svp"), "def2-svp", {1, 8});
  const Inputs in = make_inputs(test::molecule_from_xyz_lines(kMethanolXyz));
  try {
    model::make_graph(basis, in.Z, in.pos, in.S, in.H_sap, {}, 6.0);
    FAIL() << "no error";
  } catch (const hamlet::Error& e) {
    EXPECT_NE(std::string(e.what()).find("element C"), std::string::npos) << e.what();
  }
  const auto full = water_methanol_basis();
  Eigen::MatrixXd bad = in.S;
  bad(3, 4) = std::nan("");
  EXPECT_THROW(model::make_graph(full, in.Z, in.pos, bad, in.H_sap, {}, 6.0), hamlet::Error);
  EXPECT_THROW(model::make_graph(full, in.Z, in.pos, in.S.topLeftCorner(5, 5), in.H_sap, {}, 6.0), hamlet::Error);
}

class ModelEquivariance : public ::testing::TestWithParam<std::tuple<std::string, bool>> {};
TEST_P(ModelEquivariance, RotatingTheMoleculeRotatesF) {
  const auto [type, float64] = GetParam();
  const auto basis = water_methanol_basis();
  auto m = make_model(basis, type, float64 ? torch::kFloat64 : torch::kFloat32);
  const Inputs in = make_inputs(test::molecule_from_xyz_lines(kMethanolXyz));
  // Normalisation fitted on the structure itself so that the outputs are O(1) everywhere.
  const auto g = model::make_graph(basis, in.Z, in.pos, in.S, in.H_sap, in.F, m->config().cutoff);
  m->fit_normalization({&g});
  const Eigen::MatrixXd F = predict(m, in);
  EXPECT_EQ((F - F.transpose()).cwiseAbs().maxCoeff(), 0.0) << "symmetric exactly";
  const double tol = float64 ? 1e-10 : 1e-5;
  for (bool inversion : {false, true}) {
    const torch::Tensor R = eq::testing::random_rotation(1, torch::kFloat64, inversion ? 5 : 4)[0];
    const Inputs moved = transformed_inputs(in, R, inversion);
    const Eigen::MatrixXd D = ao_representation(in.mol, R, inversion);
    EXPECT_LT(relative(predict(m, moved), D * F * D.transpose()), tol) << "inversion " << inversion;
  }
}
INSTANTIATE_TEST_SUITE_P(Types, ModelEquivariance,
                         ::testing::Combine(::testing::Values("sap", "geometry"), ::testing::Bool()));

TEST(ModelInvariants, PermutingAtomsPermutesBlocks) {
  const auto basis = water_methanol_basis();
  auto m = make_model(basis, "sap", torch::kFloat64);
  const Inputs in = make_inputs(test::molecule_from_xyz_lines(kMethanolXyz));
  const auto g = model::make_graph(basis, in.Z, in.pos, in.S, in.H_sap, in.F, m->config().cutoff);
  m->fit_normalization({&g});
  const std::vector<int> perm = {3, 0, 5, 1, 4, 2};  // new atom k is old atom perm[k]
  Molecule pm = in.mol;
  for (int k = 0; k < 6; ++k) pm.atoms[k] = in.mol.atoms[perm[k]];
  const BasisSet ob = load_basis(in.mol, "def2-svp"), pb = load_basis(pm, "def2-svp");
  std::vector<int> ao;  // new AO -> old AO
  for (int k = 0; k < 6; ++k)
    for (int f = ob.atom_ao_begin[perm[k]]; f < ob.atom_ao_begin[perm[k] + 1]; ++f) ao.push_back(f);
  auto permute = [&](const Eigen::MatrixXd& M) {
    Eigen::MatrixXd out(M.rows(), M.cols());
    for (int i = 0; i < M.rows(); ++i)
      for (int j = 0; j < M.cols(); ++j) out(i, j) = M(ao[i], ao[j]);
    return out;
  };
  Inputs pin = in;
  pin.mol = pm;
  for (int k = 0; k < 6; ++k) {
    pin.Z[k] = in.Z[perm[k]];
    pin.pos.row(k) = in.pos.row(perm[k]);
  }
  pin.S = permute(in.S);
  pin.H_sap = permute(in.H_sap);
  EXPECT_LT((predict(m, pin) - permute(predict(m, in))).cwiseAbs().maxCoeff(), 1e-12);
}

TEST(ModelInvariants, BatchEqualsSingleMolecules) {
  const auto basis = water_methanol_basis();
  auto m = make_model(basis, "sap", torch::kFloat64);
  const Inputs a = make_inputs(test::molecule_from_xyz_lines(kMethanolXyz));
  const Inputs b = make_inputs(test::molecule_from_xyz_lines("O 0 0 0\nH 0 0.76 0.59\nH 0 -0.76 0.59"));
  const auto ga = model::make_graph(basis, a.Z, a.pos, a.S, a.H_sap, a.F, m->config().cutoff);
  const auto gb = model::make_graph(basis, b.Z, b.pos, b.S, b.H_sap, b.F, m->config().cutoff);
  m->fit_normalization({&ga, &gb});
  const auto both = m->forward(model::collate({&ga, &gb}));
  const auto only_a = m->forward(model::collate({&ga}));
  const auto only_b = m->forward(model::collate({&gb}));
  const int64_t na = ga.element.size(0), ea = ga.edge_index.size(1);
  EXPECT_LT((both.onsite.narrow(0, 0, na) - only_a.onsite).abs().max().item<double>(), 1e-12);
  EXPECT_LT((both.onsite.narrow(0, na, gb.element.size(0)) - only_b.onsite).abs().max().item<double>(), 1e-12);
  EXPECT_LT((both.offsite.narrow(0, 0, ea) - only_a.offsite).abs().max().item<double>(), 1e-12);
  EXPECT_LT((both.offsite.narrow(0, ea, gb.edge_index.size(1)) - only_b.offsite).abs().max().item<double>(), 1e-12);
  // The loss is finite and differentiable.
  const auto loss = m->loss(both, model::collate({&ga, &gb}), "mse+mae");
  loss.backward();
  EXPECT_TRUE(std::isfinite(loss.item<double>()));
}

// The overlap filter (ModelConfig::overlap_filter = tau) keeps the network's correction
// F - H_SAP only on overlap eigenvectors with eigenvalue s >= tau; along the others F = H_SAP +
// mu S, mu the correction's mean shift on the kept ones (sum of U^T (F - H_SAP) U's diagonal over
// the sum of their s).
TEST(ModelOverlapFilter, CorrectionOnlyOnWellConditionedOverlapEigenvectors) {
  const auto basis = water_methanol_basis();
  auto m = make_model(basis, "sap", torch::kFloat64);
  const Inputs in = make_inputs(test::molecule_from_xyz_lines(kMethanolXyz));
  torch::NoGradGuard no_grad;
  const double tau = 0.06;
  m->set_overlap_filter(0.0);
  const Eigen::MatrixXd unfiltered = predict(m, in) - in.H_sap;
  m->set_overlap_filter(tau);
  const Eigen::MatrixXd F = predict(m, in), filtered = F - in.H_sap;

  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(in.S);
  std::vector<int> kept, dropped;
  for (int i = 0; i < es.eigenvalues().size(); ++i) (es.eigenvalues()(i) >= tau ? kept : dropped).push_back(i);
  ASSERT_FALSE(dropped.empty()) << "methanol/def2-SVP has overlap eigenvalues below " << tau;
  const Eigen::MatrixXd U = es.eigenvectors()(Eigen::all, kept), V = es.eigenvectors()(Eigen::all, dropped);
  const double mu = (U.transpose() * unfiltered * U).trace() / es.eigenvalues()(kept).sum();
  const double scale = unfiltered.cwiseAbs().maxCoeff();
  ASSERT_GT(std::abs(mu), 1e-3 * scale) << "the shift is not negligible here (so its checks can fail)";
  const Eigen::MatrixXd shifted = filtered - mu * in.S;
  // Without the filter the correction does reach the dropped directions (so the test can fail) ...
  EXPECT_GT((V.transpose() * (unfiltered - mu * in.S)).cwiseAbs().maxCoeff(), 1e-4 * scale);
  // ... with it, only the shift is left there, and the kept block is unchanged (rounding level).
  EXPECT_LT((V.transpose() * shifted).cwiseAbs().maxCoeff(), 1e-12 * scale);
  EXPECT_LT((U.transpose() * (filtered - unfiltered) * U).cwiseAbs().maxCoeff(), 1e-12 * scale);
  EXPECT_EQ((F - F.transpose()).cwiseAbs().maxCoeff(), 0.0);
  // A threshold above every overlap eigenvalue leaves H_SAP itself.
  m->set_overlap_filter(es.eigenvalues().maxCoeff() + 1.0);
  EXPECT_LT((predict(m, in) - in.H_sap).cwiseAbs().maxCoeff(), 1e-14 * in.H_sap.cwiseAbs().maxCoeff());
}
