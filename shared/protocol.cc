#include "shared/protocol.h"

namespace forkv {

std::string_view OpName(Op op) {
  switch (op) {
    case Op::kPing:
      return "ping";
    case Op::kPut:
      return "put";
    case Op::kGet:
      return "get";
    case Op::kDel:
      return "del";
    case Op::kKeys:
      return "keys";
    case Op::kCount:
      return "count";
    case Op::kStores:
      return "stores";
    case Op::kCreate:
      return "create";
    case Op::kDrop:
      return "drop";
    case Op::kStatus:
      return "status";
    case Op::kRestart:
      return "restart";
    case Op::kKill:
      return "kill";
    case Op::kWait:
      return "wait";
    case Op::kLocate:
      return "locate";
    case Op::kScan:
      return "scan";
    case Op::kBackup:
      return "backup";
    case Op::kRename:
      return "rename";
    case Op::kIncr:
      return "incr";
    case Op::kExpire:
      return "expire";
  }
  return "?";
}

bool IsStoreState(std::string_view state) {
  for (std::string_view s : kStoreStates) {
    if (s == state) return true;
  }
  return false;
}

std::string StoreStateList() {
  std::string out;
  for (std::string_view s : kStoreStates) {
    if (!out.empty()) out += ", ";
    out += s;
  }
  return out;
}

bool IsStoreOp(Op op) {
  switch (op) {
    case Op::kPut:
    case Op::kGet:
    case Op::kDel:
    case Op::kKeys:
    case Op::kCount:
    case Op::kScan:
    case Op::kIncr:
    case Op::kExpire:
      return true;
    default:
      return false;
  }
}

}  // namespace forkv
