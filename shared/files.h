// Small whole-file helpers for the few text files forkv keeps beside its
// databases (FORMAT, catalogue). No sockets.
#pragma once

#include <string>

#include "shared/status.h"

namespace forkv {

// The whole file. NotFound when it does not exist, IoError otherwise.
Result<std::string> ReadWholeFile(const std::string& path);

// Writes `contents` to `path` atomically and durably: PATH.tmp, fsync,
// rename, fsync of the directory. A reader sees the old or the new file.
Status WriteFileAtomically(const std::string& path, const std::string& contents);

}  // namespace forkv
