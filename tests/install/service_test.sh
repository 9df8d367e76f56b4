#!/usr/bin/env bash
# The installed service, used as an operator would (issue #15, item 1):
#   1. install everything into a DESTDIR; check where each file went
#      (internal binaries in libexec/forkv, man pages, completion, the
#      config file, sysusers.d, the unit);
#   2. read the unit and start the manager the way systemd would: its
#      ExecStart word for word, as its User/Group (stand-in ids: the forkv
#      user is created by systemd-sysusers on a real install), its UMask,
#      its RuntimeDirectory and StateDirectory with their modes. A private
#      mount namespace puts the DESTDIR's prefix at the real prefix and
#      empty tmpfs over /run, /var/lib and /tmp, so nothing of the host is
#      touched or seen;
#   3. the CLI with no flags finds the service: as root, as a member of the
#      service's group, and not as someone outside it.
# Steps 2-3 need root (mount namespace, setpriv): skipped (77) otherwise.
# Usage: service_test.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
SRC=$1
BUILD=$2
DEST=$BUILD/destdir-service
PREFIX=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$BUILD/CMakeCache.txt")
fail() { echo "service_test: $*" >&2; exit 1; }

rm -rf "$DEST"
DESTDIR=$DEST cmake --install "$BUILD" >/dev/null
P=$DEST$PREFIX

# 1. Where things go.
for f in bin/forkv bin/forkv-manager libexec/forkv/forkv-store libexec/forkv/forkv-db \
  libexec/forkv/forkv-http; do
  [[ -x $P/$f ]] || fail "$f is not installed"
done
for f in forkv-store forkv-db forkv-http; do
  [[ ! -e $P/bin/$f ]] || fail "internal binary $f is in bin/"
done
for f in share/man/man1/forkv.1 share/man/man8/forkv-manager.8 \
  share/bash-completion/completions/forkv lib/sysusers.d/forkv.conf \
  lib/systemd/system/forkv.service share/doc/forkv/http.md share/doc/forkv/README.md; do
  [[ -f $P/$f ]] || fail "$f is not installed"
done
UNIT=$P/lib/systemd/system/forkv.service
unit_value() { sed -n "s/^$1=//p" "$UNIT" | tail -1; }
EXEC_START=$(unit_value ExecStart)
read -r -a EXEC <<<"$EXEC_START"
CONF=
for ((i = 0; i < ${#EXEC[@]}; i++)); do
  [[ ${EXEC[i]} == --config ]] && CONF=${EXEC[i + 1]}
done
[[ -n $CONF ]] || fail "ExecStart names no --config: $EXEC_START"
[[ -f $DEST$CONF ]] || fail "the unit's config file $CONF is not installed"
[[ ${EXEC[0]} == "$PREFIX/bin/forkv-manager" ]] || fail "ExecStart runs ${EXEC[0]}"
# The installed manager finds its internal binaries in libexec/forkv.
"$P/bin/forkv-manager" --version | grep -q '^forkv-manager ' || fail "forkv-manager --version"

if [[ $(id -u) != 0 ]] || ! command -v unshare >/dev/null || ! command -v setpriv >/dev/null; then
  echo "service_test: not root (or no unshare/setpriv): the start as the unit would is skipped"
  exit 77
fi

# 2. Start it as systemd would. Stand-in ids for the forkv user and group,
# a member of the group and an outsider.
SVC_UID=64071 SVC_GID=64071 MEMBER_UID=64072 OUTSIDER_UID=64073
RUN_DIR=/run/$(unit_value RuntimeDirectory)
read -r STATE_NAME BACKUP_NAME <<<"$(unit_value StateDirectory)"
STATE_DIR=/var/lib/$STATE_NAME
BACKUP_DIR=/var/lib/$BACKUP_NAME
[[ -n $BACKUP_NAME ]] || fail "the unit has no StateDirectory for backups"
export FAIL_PREFIX="service_test:" PREFIX P EXEC_START RUN_DIR STATE_DIR BACKUP_DIR SVC_UID SVC_GID \
  MEMBER_UID OUTSIDER_UID RUN_MODE=$(unit_value RuntimeDirectoryMode) \
  STATE_MODE=$(unit_value StateDirectoryMode) UNIT_UMASK=$(unit_value UMask)
[[ $(unit_value User) == forkv && $(unit_value Group) == forkv ]] ||
  fail "the unit does not run as user and group forkv"

unshare --mount --propagation private bash -euo pipefail -c '
fail() { echo "$FAIL_PREFIX $*" >&2; exit 1; }
mount --bind "$P" "$PREFIX"
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /var/lib
mount -t tmpfs tmpfs /tmp
chmod 1777 /tmp
mkdir -m "$RUN_MODE" "$RUN_DIR"
mkdir -m "$STATE_MODE" "$STATE_DIR" "$BACKUP_DIR"
chown "$SVC_UID:$SVC_GID" "$RUN_DIR" "$STATE_DIR" "$BACKUP_DIR"
unset XDG_RUNTIME_DIR FORKV_SOCKET JOURNAL_STREAM NOTIFY_SOCKET
(umask "$UNIT_UMASK"; exec setpriv --reuid "$SVC_UID" --regid "$SVC_GID" --clear-groups \
  $EXEC_START >/tmp/manager.log 2>&1) &
MANAGER=$!
stop() { kill -TERM "$MANAGER" 2>/dev/null || true; wait "$MANAGER" 2>/dev/null || true; }
trap stop EXIT
for _ in $(seq 1 300); do
  "$PREFIX/bin/forkv" --timeout 200 ping >/dev/null 2>&1 && break
  kill -0 "$MANAGER" 2>/dev/null || { cat /tmp/manager.log >&2; fail "the manager exited"; }
  sleep 0.1
done
# 3. The CLI with no flags, as root.
"$PREFIX/bin/forkv" put users alice 30 >/dev/null || { cat /tmp/manager.log >&2; fail "put as root"; }
[[ $("$PREFIX/bin/forkv" get users alice) == 30 ]] || fail "get as root"
sock=$RUN_DIR/manager.sock
[[ $(stat -c "%a %u %g" "$sock") == "660 $SVC_UID $SVC_GID" ]] ||
  fail "$sock is $(stat -c "%a %u %g" "$sock"), not 660 $SVC_UID $SVC_GID"
[[ $(stat -c %a "$RUN_DIR") == "${RUN_MODE#0}" ]] || fail "$RUN_DIR is $(stat -c %a "$RUN_DIR")"
# Every store socket (the direct path) is the group'"'"'s too.
store_socks=$(find "$RUN_DIR" -name "m*-s*.sock" | wc -l)
[[ $store_socks -ge 1 ]] || fail "no store socket in $RUN_DIR"
[[ -z $(find "$RUN_DIR" -name "m*-s*.sock" ! -perm 0660) ]] || fail "a store socket is not 0660"
# The data is the service user'"'"'s only.
[[ $(stat -c "%a %u" "$STATE_DIR") == "${STATE_MODE#0} $SVC_UID" ]] || fail "$STATE_DIR mode"
[[ -f $STATE_DIR/FORMAT ]] || fail "the data is not in $STATE_DIR"
# A member of the group, no flags.
as_member() { setpriv --reuid "$MEMBER_UID" --regid "$MEMBER_UID" --groups "$SVC_GID" "$@"; }
as_member "$PREFIX/bin/forkv" put users bob 31 >/dev/null || fail "put as a member of the group"
[[ $(as_member "$PREFIX/bin/forkv" get users bob) == 31 ]] || fail "get as a member"
# Someone outside the group cannot connect.
rc=0
setpriv --reuid "$OUTSIDER_UID" --regid "$OUTSIDER_UID" --clear-groups \
  "$PREFIX/bin/forkv" --socket "ipc://$sock" --timeout 500 get users bob >/dev/null 2>&1 || rc=$?
[[ $rc != 0 ]] || fail "someone outside the group could use the service"
# A backup where the unit lets the service write, then a restore of it.
"$PREFIX/bin/forkv" backup "$BACKUP_DIR/b1" >/dev/null || { cat /tmp/manager.log >&2; fail "backup"; }
[[ -f $BACKUP_DIR/b1/BACKUP ]] || fail "no complete backup in $BACKUP_DIR/b1"
"$PREFIX/bin/forkv-manager" --restore "$BACKUP_DIR/b1" --data-dir /tmp/restored --log-level warn ||
  fail "restore of the backup"
[[ -f /tmp/restored/FORMAT ]] || fail "nothing restored"
kill -TERM "$MANAGER"
rc=0; wait "$MANAGER" || rc=$?
trap - EXIT
[[ $rc == 0 ]] || { cat /tmp/manager.log >&2; fail "the manager exited $rc on SIGTERM"; }
'
echo "service_test: installed into $DEST, started as the unit does, used with no flags: ok"
