// The orbital-energy loss layer (model/orbital_energy_loss.hpp) against independent paths:
// - its matrices equal assemble_matrix's (Eigen) for a batch of two molecules;
// - its orbital energies equal the generalised eigenvalues (Eigen's GeneralizedSelfAdjoint
//   solver) of predicted_fock's F, with and without the overlap filter, delta and full targets;
// - exact targets (every pair within the cutoff, no filter) give the reference energies;
// - autograd's derivative equals a central finite difference.
#include <gtest/gtest.h>
#include <Eigen/Eigenvalues>
#include <torch/torch.h>

#include "basis/basis_library.hpp"
#include "model/hamiltonian_model.hpp"
#include "model/orbital_energy_loss.hpp"
#include "scf/driver.hpp"
#include "support/molecules.hpp"

using namespace hamlet;

namespace {

const char* kMethanolXyz =
    "C -0.046 0.663 0.000\nO -0.046 -0.758 0.000\nH -1.086 0.980 0.000\n"
    "H 0.441 1.074 0.888\nH 0.441 1.074 -0.888\nH 0.868 -1.068 0.000\n";
const char* kWaterXyz = "O 0 0 0\nH 0 0.76 0.59\nH 0 -0.76 0.59\n";

// A dataset entry with engine S and H_SAP and a stand-in reference F (H_SAP shifted and
// perturbed symmetrically), its orbital energies from Eigen's generalised solver.
data::Entry make_entry(const std::string& xyz, int electrons) {
  const Molecule mol = test::molecule_from_xyz_lines(xyz);
  const auto sap = scf::sap_inputs(mol, basis_library("def2-svp"), "erf", 0);
  data::Entry e;
  e.index = 0;
  e.source = "test";
  e.nbf = static_cast<int>(sap.S.rows());
  e.nalpha = e.nbeta = electrons / 2;
  for (const auto& a : mol.atoms) e.atomic_numbers.push_back(a.Z);
  e.positions.resize(mol.natoms(), 3);
  for (int i = 0; i < mol.natoms(); ++i) e.positions.row(i) = mol.atoms[i].position.transpose();
  e.S = sap.S;
  e.H_sap = sap.H_sap;
  Eigen::MatrixXd noise = Eigen::MatrixXd::NullaryExpr(e.nbf, e.nbf, [](Eigen::Index i, Eigen::Index j) {
    return 0.02 * std::sin(1.0 + 3.0 * static_cast<double>(i) + 7.0 * static_cast<double>(j));
  });
  const Eigen::MatrixXd F = e.H_sap + 0.1 * e.S + 0.5 * (noise + noise.transpose());
  e.fock = {F};
  Eigen::GeneralizedSelfAdjointEigenSolver<Eigen::MatrixXd> es(F, e.S);
  e.orbital_energies = {es.eigenvalues()};
  return e;
}

model::HamiltonianModel make_model(const model::ModelBasis& basis, const std::string& type, double cutoff,
                                   double overlap_filter) {
  torch::manual_seed(5);
  model::ModelConfig c;
  c.type = type;
  c.target = type == "sap" ? "delta" : "full";
  c.hidden_irreps = "8x0e+4x1o+4x1e+2x2e+2x2o+2x3o+2x3e+2x4e";
  c.pair_irreps = "4x0e+2x1o+2x1e+2x2e+2x2o";
  c.layers = 1;
  c.cutoff = cutoff;
  c.overlap_filter = overlap_filter;
  model::HamiltonianModel m(c, basis);
  m->to(torch::kFloat64);
  return m;
}

model::MoleculeGraph graph_of(const model::HamiltonianModel& m, const data::Entry& e) {
  return model::make_graph(m->basis(), e.atomic_numbers, e.positions, e.S, e.H_sap, e.fock[0], m->config().cutoff);
}

Eigen::VectorXd generalized_eigenvalues(const Eigen::MatrixXd& F, const Eigen::MatrixXd& S) {
  return Eigen::GeneralizedSelfAdjointEigenSolver<Eigen::MatrixXd>(F, S, Eigen::EigenvaluesOnly).eigenvalues();
}

model::ModelBasis basis_hco() { return model::make_model_basis(basis_library("def2-svp"), "def2-svp", {1, 6, 8}); }

}  // namespace

struct OrbitalEnergyCase {
  const char* type;
  double cutoff, overlap_filter;
};

class OrbitalEnergyLayer : public ::testing::TestWithParam<OrbitalEnergyCase> {};

// Random weights, two molecules in one batch: the layer's matrices and energies against the
// Eigen assembly, predicted_fock and the generalised eigensolver (float64: 1e-10 Eh).
TEST_P(OrbitalEnergyLayer, MatchesPredictedFockAndTheGeneralisedEigensolver) {
  const auto p = GetParam();
  const auto basis = basis_hco();
  auto m = make_model(basis, p.type, p.cutoff, p.overlap_filter);
  const data::Entry a = make_entry(kMethanolXyz, 18), b = make_entry(kWaterXyz, 10);
  const auto ga = graph_of(m, a), gb = graph_of(m, b);
  m->fit_normalization({&ga, &gb});
  torch::NoGradGuard no_grad;
  const auto out = m->forward(model::collate({&ga, &gb}));
  const model::BlockUnpacking unpacking(basis);
  const auto matrices = unpacking.matrices({&ga, &gb}, out.onsite, out.offsite);
  ASSERT_EQ(matrices.size(), 2u);
  int64_t node = 0, edge = 0;
  for (int k = 0; k < 2; ++k) {
    const data::Entry& e = k == 0 ? a : b;
    const model::MoleculeGraph& g = k == 0 ? ga : gb;
    const int64_t n = g.element.size(0), ne = g.edge_index.size(1);
    const at::Tensor on = out.onsite.narrow(0, node, n), off = out.offsite.narrow(0, edge, ne);
    const Eigen::MatrixXd assembled = model::assemble_matrix(basis, g, on, off, Eigen::MatrixXd());
    const at::Tensor M = matrices[k].contiguous();
    Eigen::MatrixXd layer = Eigen::Map<const Eigen::Matrix<double, -1, -1, Eigen::RowMajor>>(
        M.data_ptr<double>(), M.size(0), M.size(1));
    EXPECT_LT((layer - assembled).cwiseAbs().maxCoeff(), 1e-13) << "molecule " << k;

    const auto target = model::make_orbital_energy_target(e, m->config(), 3);
    ASSERT_EQ(target.reference.size(0), e.nalpha + 3);
    const at::Tensor eps = model::predicted_orbital_energies(target, matrices[k]);
    const Eigen::VectorXd expected = generalized_eigenvalues(model::predicted_fock(*m, g, on, off, e.H_sap, e.S), e.S);
    for (int i = 0; i < eps.size(0); ++i)
      EXPECT_NEAR(eps[i].item<double>(), expected(i), 1e-10) << "molecule " << k << " orbital " << i;
    node += n;
    edge += ne;
  }
}

INSTANTIATE_TEST_SUITE_P(Targets, OrbitalEnergyLayer,
                         ::testing::Values(OrbitalEnergyCase{"sap", 6.0, 0.06}, OrbitalEnergyCase{"sap", 4.0, 0.0},
                                           OrbitalEnergyCase{"geometry", 6.0, 0.0}));

// Union-space targets F - H_SAP with every atom pair inside the cutoff and no filter: the
// layer reproduces the reference orbital energies; H_SAP alone gives the baseline energies.
TEST(OrbitalEnergyLoss, ExactTargetsGiveTheReferenceEnergies) {
  const auto basis = basis_hco();
  auto m = make_model(basis, "sap", 50.0, 0.0);
  const data::Entry e = make_entry(kMethanolXyz, 18);
  const auto g = graph_of(m, e);
  const model::BlockUnpacking unpacking(basis);
  const auto target = model::make_orbital_energy_target(e, m->config(), 2);
  const at::Tensor exact =
      unpacking.matrices({&g}, g.onsite_target - g.onsite_sap, g.edge_target - g.edge_sap).front();
  EXPECT_LT((model::predicted_orbital_energies(target, exact) - target.reference).abs().max().item<double>(), 1e-10);
  const at::Tensor zero = at::zeros_like(exact);
  EXPECT_LT((model::predicted_orbital_energies(target, zero) - target.baseline_energies).abs().max().item<double>(),
            1e-12);
  // The stand-in reference differs from H_SAP, so the loss's unit is positive.
  EXPECT_GT(model::baseline_mean_squared_error({&target}), 1e-4);
}

// d(sum of the occupied energies and the LUMO)/d(network output) by autograd against a central
// difference (step 1e-5, float64: agreement to 1e-7 relative).
TEST(OrbitalEnergyLoss, GradientMatchesFiniteDifferences) {
  const auto basis = basis_hco();
  auto m = make_model(basis, "sap", 6.0, 0.06);
  const data::Entry e = make_entry(kWaterXyz, 10);
  const auto g = graph_of(m, e);
  m->fit_normalization({&g});
  const model::BlockUnpacking unpacking(basis);
  const auto target = model::make_orbital_energy_target(e, m->config(), 1);
  at::Tensor on, off;
  {
    torch::NoGradGuard no_grad;
    const auto out = m->forward(model::collate({&g}));
    on = out.onsite.clone();
    off = out.offsite.clone();
  }
  auto objective = [&](const at::Tensor& o1, const at::Tensor& o2) {
    const at::Tensor eps = model::predicted_orbital_energies(target, unpacking.matrices({&g}, o1, o2).front());
    return (eps * at::arange(1, eps.size(0) + 1, eps.options())).sum();  // weights: not a trace invariant
  };
  at::Tensor on_v = on.clone().requires_grad_(true), off_v = off.clone().requires_grad_(true);
  objective(on_v, off_v).backward();
  const double h = 1e-5;
  int checked = 0;
  for (int which = 0; which < 2; ++which) {
    const bool onsite = which == 0;
    const at::Tensor tensor = onsite ? on : off, grad = onsite ? on_v.grad() : off_v.grad();
    const at::Tensor nonzero = grad.abs().flatten().nonzero().flatten();
    ASSERT_GT(nonzero.size(0), 0);
    for (int64_t s = 0; s < nonzero.size(0); s += std::max<int64_t>(1, nonzero.size(0) / 6)) {
      const int64_t i = nonzero[s].item<int64_t>();
      at::Tensor plus = tensor.clone(), minus = tensor.clone();
      plus.view({-1})[i] += h;
      minus.view({-1})[i] -= h;
      const double fp = onsite ? objective(plus, off).item<double>() : objective(on, plus).item<double>();
      const double fm = onsite ? objective(minus, off).item<double>() : objective(on, minus).item<double>();
      const double numeric = (fp - fm) / (2 * h), analytic = grad.view({-1})[i].item<double>();
      EXPECT_NEAR(analytic, numeric, 1e-7 * std::max(1.0, std::abs(numeric))) << "component " << i;
      ++checked;
    }
  }
  EXPECT_GE(checked, 8);
}
