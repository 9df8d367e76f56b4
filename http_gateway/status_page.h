// The live status page served at GET /: http_gateway/status_page.html,
// embedded at build time (CMake writes status_page.cc from
// status_page.cc.in), so the gateway needs no files at run time.
#pragma once

#include <string_view>

namespace forkv::http {

std::string_view StatusPageHtml();

}  // namespace forkv::http
