#pragma once
// One value per element Z, built on first use and shared by every thread for the life of the
// program: call_once per element (a build that throws is retried by the next caller).
#include <array>
#include <memory>
#include <mutex>
#include <string>

#include "atom/atom.hpp"
#include "core/error.hpp"

namespace hamlet::atom {

template <class T>
class ElementCache {
 public:
  // The value of element Z, made by build() the first time. Throws hamlet::Error naming `what`
  // for Z outside 1..kMaxAtomZ.
  template <class Build>
  const T& get(int Z, const char* what, Build&& build) {
    if (Z < 1 || Z > kMaxAtomZ)
      throw Error(std::string(what) + ": supported Z = 1.." + std::to_string(kMaxAtomZ) +
                  ", got Z = " + std::to_string(Z));
    Slot& slot = slots_[Z];
    std::call_once(slot.once, [&] { slot.value = std::make_unique<T>(build()); });
    return *slot.value;
  }

 private:
  struct Slot {
    std::once_flag once;
    std::unique_ptr<T> value;
  };
  std::array<Slot, kMaxAtomZ + 1> slots_;
};

}  // namespace hamlet::atom
