// forkv's version (CMakeLists.txt: project(VERSION)), for --version, the
// status replies and forkv_build_info.
#pragma once

#ifndef FORKV_VERSION
#define FORKV_VERSION "unknown"
#endif

namespace forkv {

inline constexpr char kForkvVersion[] = FORKV_VERSION;

}  // namespace forkv
