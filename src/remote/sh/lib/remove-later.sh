# shellcheck shell=sh
# remove-later.sh (included, not run): removing what is already renamed out of releases' way
# (.removing-<id>, .partial-<id>) without holding up the deploy that asked.
#   remove_later DIR  nothing when DIR is not there; else rm -rf it in a process of its own
#                   (setsid -f, stdio on /dev/null), so the SSH command returns at once and its
#                   end does not stop it. A removal cut short (a reboot), or one rm could not
#                   finish, leaves only a .removing-/.partial- name, which never looks like a
#                   release; the next cleanup finds it and retries it.
#   retry_later DIR   the same for a leftover found by a later run, first walking it for what rm
#                   cannot empty: a directory in it that we cannot read, enter, or (when it holds
#                   anything) write, such as one only root may change; said on stderr, and then
#                   false. The walk is paid only by leftovers, never by a fresh removal.
remove_later() {
  [ -e "$1" ] || [ -L "$1" ] || return 0
  setsid -f rm -rf -- "$1" < /dev/null > /dev/null 2>&1
}
retry_later() {
  [ -e "$1" ] || [ -L "$1" ] || return 0
  s=$(find "$1" -type d \( ! -readable -o ! -executable -o \( ! -writable ! -empty \) \) -print -quit 2>/dev/null)
  remove_later "$1"
  [ -n "$s" ] || return 0
  echo "rm cannot empty $s (owner $(stat -c %U -- "$s" 2>/dev/null), mode $(stat -c %a -- "$s" 2>/dev/null))" >&2
  return 1
}
