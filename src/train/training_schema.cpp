// hamlet's training configuration: the one list of keys of `hamlet train` (add new keys here).
#include <cctype>

#include "train/config.hpp"

namespace hamlet::train {

namespace {

// Irreps text as read by equivariant::Irreps ("32x0e + 16x1o"), with l <= 8 (so3.hpp kMaxL);
// checked here too so a typo fails at config load, not after the dataset is read.
std::optional<std::string> irreps_syntax(const Value& v) {
  const std::string& s = std::get<std::string>(v);
  std::size_t start = 0;
  while (true) {
    const auto plus = s.find('+', start);
    const std::string t = s.substr(start, plus == std::string::npos ? plus : plus - start);
    // term: [digits "x"] digits ("e" | "o"), blanks allowed between the parts.
    std::size_t i = 0;
    const auto blanks = [&] { while (i < t.size() && (t[i] == ' ' || t[i] == '\t')) ++i; };
    const auto digits = [&] {
      const std::size_t from = i;
      while (i < t.size() && std::isdigit(static_cast<unsigned char>(t[i]))) ++i;
      return t.substr(from, i - from);
    };
    blanks();
    std::string l = digits();
    blanks();
    if (i < t.size() && t[i] == 'x' && !l.empty()) {
      ++i;
      blanks();
      l = digits();
      blanks();
    }
    const bool parity = i < t.size() && (t[i] == 'e' || t[i] == 'o');
    if (parity) ++i;
    blanks();
    if (l.empty() || !parity || i != t.size())
      return "malformed irreps term '" + t + "' (expected like 32x0e+16x1o+8x2e)";
    if (l.size() > 1 || l[0] > '8') return "irreps term '" + t + "' has l > 8";
    if (plus == std::string::npos) return std::nullopt;
    start = plus + 1;
  }
}

std::optional<std::string> not_empty(const Value& v) {
  if (std::get<std::string>(v).empty()) return std::string("must not be empty");
  return std::nullopt;
}

ConfigSchema make_training_schema() {
  ConfigSchema s;
  using T = ValueType;
  // data
  s.add_required("data.train", T::String, "training dataset (HDF5 written by hamlet datagen)")
      .validate(not_empty);
  s.add_string("data.validation", "",
               "separate validation dataset; empty: split one off data.train");
  s.add_choice("data.split", "molecule", {"random", "molecule", "size"},
               "how data.train is split: random entries, whole molecules, or by molecule size");
  s.add_double("data.validation_fraction", 0.1,
               "fraction of data.train held out for validation (when data.validation is empty)")
      .at_least(0.0).below(1.0);
  s.add_double("data.test_fraction", 0.1, "fraction of data.train held out for the test set")
      .at_least(0.0).below(1.0);
  s.add_int("data.max_entries", 0, "use at most this many entries of data.train (0 = all)")
      .at_least(0);
  // model
  s.add_choice("model.type", "sap", {"sap", "geometry"},
               "model input: sap (SAP-guess blocks and geometry) or geometry only");
  s.add_choice("model.target", "auto", {"auto", "delta", "full"},
               "learned matrix: delta = F - H_SAP, full = F; auto = delta for sap, full for geometry");
  s.add_double("model.cutoff_bohr", 10.0, "neighbour cutoff radius in Bohr").above(0.0);
  s.add_string("model.hidden_irreps", "32x0e+16x1o+16x1e+8x2e+8x2o+4x3o+4x3e+4x4e",
               "irreps of the hidden atom features (0e first; include every irrep of the blocks)")
      .validate(irreps_syntax);
  s.add_string("model.pair_irreps", "16x0e+8x1o+8x1e+4x2e+4x2o+2x3o+2x3e+2x4e",
               "irreps of the two factors of the channel-wise atom-pair product")
      .validate(irreps_syntax);
  s.add_int("model.lmax", 4, "largest l of the edge spherical harmonics").range(0, 8);
  s.add_int("model.layers", 3, "number of message-passing layers").at_least(0);
  s.add_int("model.radial_basis", 8, "number of radial basis functions").at_least(1);
  s.add_int("model.radial_hidden", 32, "hidden width of the radial MLP").at_least(1);
  s.add_double("model.overlap_filter", 0.1,
               "apply the predicted F - H_SAP only on overlap eigenvectors with eigenvalue >= this "
               "(near-linear dependencies amplify errors into orbital energies; delta targets); 0 disables")
      .at_least(0.0);
  s.add_choice("model.dtype", "float32", {"float32", "float64"},
               "floating-point type of the model");
  // optim
  s.add_choice("optim.name", "adamw", {"adam", "adamw"}, "optimiser");
  s.add_double("optim.lr", 3e-3, "peak learning rate").above(0.0);
  s.add_double("optim.weight_decay", 0.0, "weight decay").at_least(0.0);
  s.add_int("optim.batch_size", 4, "structures per batch").at_least(1);
  s.add_int("optim.epochs", 200, "number of epochs").at_least(1);
  s.add_int("optim.warmup_epochs", 5, "epochs of linear learning-rate warm-up").at_least(0);
  s.add_choice("optim.schedule", "cosine", {"cosine", "plateau", "constant"},
               "learning-rate schedule after warm-up");
  s.add_double("optim.min_lr", 1e-5, "learning-rate floor of the schedule").at_least(0.0);
  s.add_double("optim.grad_clip", 1.0, "gradient-norm clip (0 disables)").at_least(0.0);
  s.add_double("optim.ema_decay", 0.99, "decay of the weight moving average (0 disables)")
      .at_least(0.0).below(1.0);
  s.add_choice("optim.loss", "mse", {"mse", "mae", "mse+mae"}, "loss on the matrix elements");
  s.add_choice("optim.loss_normalization", "pair", {"pair", "none"},
               "pair: errors divided by each element pair's target RMS; none: errors in Hartree");
  s.add_double("optim.eigenvalue_weight", 0.0,
               "weight of the orbital-energy loss (occupied and optim.eigenvalue_virtuals virtual "
               "orbitals, through the generalised eigenproblem; unit: H_SAP's error); 0 disables")
      .at_least(0.0);
  s.add_int("optim.eigenvalue_virtuals", 1, "virtual orbitals (above the HOMO) in the orbital-energy loss")
      .at_least(0);
  s.add_double("optim.rotation_weight", 0.0,
               "weight of the density loss: the occupied-virtual rotation the predicted F makes from "
               "the reference orbitals, <i|F|a>/(e_a - e_i) (unit: H_SAP's); 0 disables")
      .at_least(0.0);
  s.add_double("optim.orthonormal_weight", 0.0,
               "weight of the matrix loss in the orthonormal basis, V^T (F - F_ref) V with V = U s^-1/2 "
               "over the overlap eigenvectors the filter keeps: the error the orbitals see, weighted "
               "up along near-linear dependencies (unit: H_SAP's); 0 disables")
      .at_least(0.0);
  s.add_int("optim.early_stopping_patience", 50,
            "stop after this many epochs without validation improvement (0 disables)")
      .at_least(0);
  s.add_double("optim.max_minutes", 0.0, "wall-time limit in minutes (0 = unlimited)")
      .at_least(0.0);
  // run
  s.add_int("run.seed", 0, "random seed (splits, initialisation, batch order)").at_least(0);
  s.add_string("run.out", "runs/hamlet", "output directory (checkpoints, logs, plots)")
      .validate(not_empty);
  s.add_int("run.threads", 0,
            "CPU threads (0 = all); each trains on a share of every batch (data parallel): results are "
            "reproducible for a given count, other counts differ by rounding")
      .at_least(0);
  s.add_int("run.checkpoint_every", 1, "write a checkpoint every this many epochs").at_least(1);

  // Checks across keys.
  s.add_check("model.target", [](const Config& c) -> std::optional<std::string> {
    if (c.get<std::string>("model.type") == "geometry" && c.get<std::string>("model.target") == "delta")
      return "model.target delta (F - H_SAP) needs model.type sap; the geometry-only model learns F";
    return std::nullopt;
  });
  s.add_check("data.test_fraction", [](const Config& c) -> std::optional<std::string> {
    const double v = c.get<std::string>("data.validation").empty()
                         ? c.get<double>("data.validation_fraction")
                         : 0.0;
    if (v + c.get<double>("data.test_fraction") >= 1.0)
      return "data.validation_fraction + data.test_fraction must be < 1 (nothing left to train)";
    return std::nullopt;
  });
  s.add_check("optim.min_lr", [](const Config& c) -> std::optional<std::string> {
    if (c.get<double>("optim.min_lr") > c.get<double>("optim.lr"))
      return "optim.min_lr must not exceed optim.lr";
    return std::nullopt;
  });
  return s;
}

}  // namespace

const ConfigSchema& training_schema() {
  static const ConfigSchema schema = make_training_schema();
  return schema;
}

}  // namespace hamlet::train
