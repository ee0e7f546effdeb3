# shellcheck shell=sh
# remove-later.sh (included, not run): removing what is already renamed out of releases' way
# (.removing-<id>, .partial-<id>) without holding up the deploy that asked.
#   stuck DIR       true, saying so on stderr, when rm -rf could not empty DIR: a directory in it
#                   that we cannot read, enter, or (when it holds anything) write, such as one
#                   only root may change; found by a walk, not by removing
#   remove_later DIR  nothing when DIR is not there; else rm -rf it in a process of its own
#                   (setsid -f, stdio on /dev/null), so the SSH command returns at once and its
#                   end does not stop it; false when stuck says rm will not be able to empty it.
#                   A removal cut short (a reboot) leaves only .removing-/.partial- names, which
#                   never look like a release; the next cleanup removes them.
stuck() {
  s=$(find "$1" -type d \( ! -readable -o ! -executable -o \( ! -writable ! -empty \) \) -print -quit 2>/dev/null)
  [ -n "$s" ] || return 1
  echo "rm cannot empty $s (owner $(stat -c %U -- "$s" 2>/dev/null), mode $(stat -c %a -- "$s" 2>/dev/null))" >&2
}
remove_later() {
  [ -e "$1" ] || [ -L "$1" ] || return 0
  whole=0; ! stuck "$1" || whole=1
  setsid -f rm -rf -- "$1" < /dev/null > /dev/null 2>&1
  [ "$whole" -eq 0 ]
}
