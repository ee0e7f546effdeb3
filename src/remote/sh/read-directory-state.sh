# shellcheck shell=sh
# read-directory-state.sh: for `ship setup`, whether the service user exists, its group, and who
# owns each directory. Read-only.
# Given: $1 the owner, $2 the group (empty: the owner's primary group), $3... directories.
# Prints `no-user` or `no-group GROUP`, or `group GROUP` then per directory `dir OWNER:GROUP PATH`
# or `missing - PATH`, then `login NAME`: who the SSH user is. Exit 0.
owner=$1; group=$2; shift 2
id -u -- "$owner" >/dev/null 2>&1 || { echo no-user; exit 0; }
[ -n "$group" ] || group=$(id -gn -- "$owner")
getent group "$group" >/dev/null || { echo "no-group $group"; exit 0; }
echo "group $group"
for d in "$@"; do
  if [ -d "$d" ]; then echo "dir $(stat -c %U:%G -- "$d") $d"; else echo "missing - $d"; fi
done
echo "login $(id -un)"
