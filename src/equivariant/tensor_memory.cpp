#include "equivariant/tensor_memory.hpp"

#include <c10/core/CPUAllocator.h>

#include <cstdlib>
#include <new>

#include "core/memory.hpp"

namespace hamlet::equivariant {
namespace {

constexpr size_t kLargeTensor = size_t{4} << 20;
constexpr size_t kHugePage = size_t{2} << 20;
constexpr size_t kSmallAlignment = 64;  // libtorch's own CPU alignment (c10::gAlignment)

void release(void* data) { std::free(data); }

struct HugePageCpuAllocator final : c10::Allocator {
  c10::DataPtr allocate(size_t bytes) const override {
    const c10::Device cpu(c10::DeviceType::CPU);
    if (bytes == 0) return {nullptr, nullptr, &release, cpu};
    void* data = nullptr;
    const bool large = bytes >= kLargeTensor;
    if (posix_memalign(&data, large ? kHugePage : kSmallAlignment, bytes) != 0) throw std::bad_alloc();
    if (large) advise_huge_pages(data, bytes);
    return {data, data, &release, cpu};
  }
  c10::DeleterFnPtr raw_deleter() const override { return &release; }
};

}  // namespace

void use_huge_page_tensor_memory() {
  static HugePageCpuAllocator allocator;  // libtorch keeps the pointer: static lifetime
  c10::SetCPUAllocator(&allocator, /*priority=*/1);
}

}  // namespace hamlet::equivariant
