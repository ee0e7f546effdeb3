# shellcheck shell=sh
# console.sh: for `ship console`, run a command in the app's `current` with the variables of its
# env file set, as the service would see them, then become that command (exec), so its exit code
# and signals are the console's own. Run as the service user.
# Given: $1 the directory (<path>/current), $2 the env file (shared/.env), $3... the command and
# its arguments; none: the user's login shell. Prints what the command prints.
#
# The env file is KEY=VALUE lines, not shell: each line is split at its first `=`, never
# evaluated, so `$(...)`, backquotes and `;` in a value stay text. As systemd reads it: blank and
# `#`/`;` lines skipped, blanks around the name and before the value dropped, one pair of
# surrounding quotes removed. A name that is not a valid variable name (`export A`) is skipped,
# as systemd skips it. Values spanning several lines are not read here (systemd does read them).
# Without a deploy there is no `current` to work in: say so rather than cd's one-line complaint.
[ -d "$1" ] || { echo "console.sh: $1 does not exist: nothing has been deployed here yet (ship deploy)" >&2; exit 126; }
cd -- "$1" || exit 126
if [ -r "$2" ]; then
  while IFS= read -r line || [ -n "$line" ]; do
    line=${line#"${line%%[! 	]*}"}
    case $line in '' | '#'* | ';'*) continue ;; esac
    case $line in *=*) ;; *) continue ;; esac
    name=${line%%=*}
    name=${name%"${name##*[! 	]}"}
    case $name in '' | [0-9]* | *[!A-Za-z0-9_]*) continue ;; esac
    value=${line#*=}
    value=${value#"${value%%[! 	]*}"}
    case $value in
      \"*\") value=${value#\"} && value=${value%\"} ;;
      \'*\') value=${value#\'} && value=${value%\'} ;;
      *) value=${value%"${value##*[! 	]}"} ;;
    esac
    export "$name=$value"
  done < "$2"
fi
shift 2
if [ $# -gt 0 ]; then exec "$@"; fi
# The login shell from the user database; a service user often has none (nologin).
shell=$(getent passwd "$(id -un)" | cut -d: -f7)
case $shell in '' | */nologin | */false) shell=/bin/sh ;; esac
exec "$shell" -l
