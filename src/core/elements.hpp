#pragma once
// Element data H (Z=1) to Og (Z=118): symbols and lookups.
#include <string>
#include <string_view>

namespace hamlet {

inline constexpr int kMaxAtomicNumber = 118;

// Symbol for atomic number Z (1..118); throws hamlet::Error otherwise.
std::string_view element_symbol(int Z);
// Atomic number for a symbol, case-insensitive ("c", "Cl", "CL"); 0 when unknown.
int atomic_number_or_zero(std::string_view symbol);

}  // namespace hamlet
