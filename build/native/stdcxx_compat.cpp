// libLibTorchSharp.so (TorchSharp 0.107) is built with GCC 13, whose <iostream> emits a call to
// std::ios_base_library_init() (symbol version GLIBCXX_3.4.32). GCC 12's libstdc++ (Debian 12)
// has every other symbol it needs but not this one. Defining it here, in a library that the
// patched libLibTorchSharp.so names as a dependency, lets it load. The body does what GCC 13's
// does: make sure the standard streams are initialised.
#include <ios>

namespace std {
void ios_base_library_init() { static ios_base::Init init; }
}
