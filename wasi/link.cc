// SPDX-License-Identifier: Apache-2.0
// Marshalling between the engine's raw 64-bit argument slots and the typed
// functions of preview1.h. The wasm type of each import is derived from the
// C++ declaration, so the two cannot drift apart.
#include "wasi/link.h"

#include <tuple>
#include <utility>

#include "wasi/preview1.h"
#include "wasi/trace.h"
#include "wasi/trace_groups.h"

namespace capbox::wasi {
namespace {

using engine::ValType;

template <typename T>
constexpr ValType val_type() {
  static_assert(std::is_same_v<T, uint32_t> || std::is_same_v<T, uint64_t> ||
                std::is_same_v<T, int64_t>);
  return std::is_same_v<T, uint32_t> ? ValType::I32 : ValType::I64;
}

template <typename F>
struct Signature;
template <typename R, typename... A>
struct Signature<R (*)(Call&, A...)> {
  using Return = R;
  using Args = std::tuple<A...>;
  static engine::FuncType type() {
    engine::FuncType t;
    t.params = {val_type<A>()...};
    if constexpr (std::is_same_v<R, Ret>)
      t.results = {ValType::I32};
    return t;
  }
};

template <auto F, size_t... I>
auto invoke(Call& call, const uint64_t* args, std::index_sequence<I...>) {
  using Args = typename Signature<decltype(F)>::Args;
  return F(call, static_cast<std::tuple_element_t<I, Args>>(args[I])...);
}

// The call under --trace: out of line, so the untraced path stays small.
template <auto F>
[[gnu::noinline]] auto traced_invoke(Call& call, const uint64_t* args) {
  constexpr size_t kArity =
      std::tuple_size_v<typename Signature<decltype(F)>::Args>;
  TracedCall traced(call, args, kArity);
  auto outcome = invoke<F>(call, args, std::make_index_sequence<kArity>());
  traced.finish(outcome);
  return outcome;
}

template <auto F>
engine::HostCallback wrap(Context& ctx,
                          Abi abi,
                          std::string_view name,
                          uint32_t trace_bit) {
  using Sig = Signature<decltype(F)>;
  constexpr size_t kArity = std::tuple_size_v<typename Sig::Args>;
  return [&ctx, abi, name, trace_bit](
             engine::HostCall& host, const uint64_t* args,
             uint64_t* results) -> std::optional<engine::Trap> {
    Call call{ctx, Guest(host.memory()), abi, name};
    auto outcome = __builtin_expect((ctx.trace_groups() & trace_bit) != 0, 0)
                       ? traced_invoke<F>(call, args)
                       : invoke<F>(call, args,
                                   std::make_index_sequence<kArity>());
    if constexpr (std::is_same_v<typename Sig::Return, Ret>) {
      if (!outcome)
        return std::move(outcome).error();
      results[0] = static_cast<uint16_t>(*outcome);
      return std::nullopt;
    } else {
      return outcome;  // proc_exit: always a trap
    }
  };
}

}  // namespace

void link_wasi(engine::Store& store,
               engine::Imports& imports,
               Context& ctx,
               const LinkOptions& options) {
  for (const auto& [module, abi] :
       {std::pair{kPreview1Module, Abi::Preview1},
        std::pair{kUnstableModule, Abi::Unstable}}) {
#define WASI_FN(name, group)                          \
  if (!options.disabled_groups.contains(#group)) {    \
    auto* fn = store.create_host_function(            \
        Signature<decltype(&preview1::name)>::type(), \
        wrap<&preview1::name>(ctx, abi, #name,        \
                              trace_bit_of_api_group(#group))); \
    engine::Extern ext;                               \
    ext.kind = engine::ExternKind::Func;              \
    ext.func = fn;                                    \
    imports.define(module, #name, ext);               \
  }
#include "wasi/api.def"
#undef WASI_FN
  }
}

std::string_view wasi_group_of(std::string_view function) {
#define WASI_FN(name, group) \
  if (function == #name)     \
    return #group;
#include "wasi/api.def"
#undef WASI_FN
  return "";
}

}  // namespace capbox::wasi
