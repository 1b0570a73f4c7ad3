#!/usr/bin/env bash
# Fetches the Django releases that test/django-check.test.ts runs besides the system's 3.2
# (Debian bookworm's python3-django):
#   4.2  Debian trixie's python3-django
#   5.2  Debian sid's python3-django, with trixie's python3-asgiref (Django 5.2 declares
#        asgiref>=3.8.1; bookworm has 3.6.0; trixie is a stable release, so it does not move)
# and unpacks each with `dpkg-deb -x` into .cache/django/<version>/ in the repository (git
# ignores .cache/). The test runs them with
#   PYTHONPATH=.cache/django/<version>/usr/lib/python3/dist-packages /usr/bin/python3
# on top of the system's other packages (sqlparse 0.4.2, django-environ, decouple, psycopg2).
#
# apt's own client does the download, with a private sources list, lists and cache under
# .cache/django/apt/ (removed afterwards): the system's apt sources, lists and caches are
# neither used nor changed. The mirror is the one the system's own sources use for its release.
#
# Idempotent: a version already unpacked (its .complete marker names the package version) is
# not fetched again; FORCE=1 fetches and unpacks everything anew. Exits non-zero, saying why,
# when a version cannot be found, downloaded, unpacked or imported.
set -euo pipefail

REPO="$(cd "$(dirname "$0")/../.." && pwd)"
DEST="$REPO/.cache/django"
PYTHON=/usr/bin/python3

die() { echo "fetch-django: $*" >&2; exit 1; }

# version, the suite whose python3-django it is, extra packages (package/suite) unpacked beside it
TARGETS=(
  "4.2 trixie"
  "5.2 sid python3-asgiref/trixie"
)

complete() { [ -f "$DEST/$1/.complete" ]; }

if [ "${FORCE:-0}" != 1 ]; then
  all=1
  for t in "${TARGETS[@]}"; do set -- $t; complete "$1" || all=0; done
  if [ "$all" = 1 ]; then
    for t in "${TARGETS[@]}"; do set -- $t; echo "fetch-django: Django $1 already in $DEST/$1 ($(cat "$DEST/$1/.complete"))"; done
    exit 0
  fi
fi

command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null || die "apt-get and dpkg-deb are needed"
[ -x "$PYTHON" ] || die "$PYTHON is missing"

# The mirror the system uses for its own release (e.g. bookworm), asked from apt itself so that
# both the one-line and the deb822 source formats count.
codename="$(. /etc/os-release && echo "${VERSION_CODENAME:-}")"
[ -n "$codename" ] || die "no VERSION_CODENAME in /etc/os-release"
mirror="$(apt-get indextargets --format '$(SITE) $(RELEASE) $(TARGET_OF)' 2>/dev/null |
  awk -v rel="$codename" '$2 == rel && $3 == "deb" { print $1; exit }')"
[ -n "$mirror" ] || die "the system's apt sources name no mirror for $codename (apt-get indextargets)"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -f "$keyring" ] || die "$keyring is missing (package debian-archive-keyring)"

APT_DIR="$DEST/apt"
rm -rf "$APT_DIR"
mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/cache/archives/partial" "$APT_DIR/debs"
cat >"$APT_DIR/sources.list" <<EOF
deb [signed-by=$keyring] $mirror trixie main
deb [signed-by=$keyring] $mirror sid main
EOF
APT_OPTS=(
  -o "Dir::Etc::SourceList=$APT_DIR/sources.list"
  -o "Dir::Etc::SourceParts=/dev/null"
  -o "Dir::State::Lists=$APT_DIR/lists"
  -o "Dir::Cache=$APT_DIR/cache"
  -o "Dir::Cache::Archives=$APT_DIR/cache/archives"
  -o "Dir::Cache::pkgcache=$APT_DIR/cache/pkgcache.bin"
  -o "Dir::Cache::srcpkgcache=$APT_DIR/cache/srcpkgcache.bin"
  -o "APT::Sandbox::User=root"
  -o "Acquire::Retries=3"
  -o "Acquire::http::Timeout=60"
  -o "Acquire::Languages=none"
)

echo "fetch-django: apt-get update (trixie, sid; private lists in $APT_DIR)"
apt-get "${APT_OPTS[@]}" -q update >"$APT_DIR/update.log" 2>&1 || { cat "$APT_DIR/update.log" >&2; die "apt-get update failed"; }
if grep -qE '^(W|E):' "$APT_DIR/update.log"; then cat "$APT_DIR/update.log" >&2; die "apt-get update reported warnings or errors"; fi

# The newest version of PACKAGE that SUITE has, matching the extended regex PATTERN.
version_in() {
  local package="$1" suite="$2" pattern="$3"
  apt-cache "${APT_OPTS[@]}" madison "$package" |
    awk -F' *[|] *' -v suite=" $suite/" -v pat="$pattern" 'index($3, suite) && $2 ~ pat { print $2; exit }'
}

# apt-get download names files with the epoch's colon escaped (%3a): find them by package name.
download() {
  local spec="$1"
  (cd "$APT_DIR/debs" && apt-get "${APT_OPTS[@]}" -q download "$spec" >/dev/null) || die "apt-get download $spec failed"
}

# Imports Django and checks what its metadata requires (Python, asgiref, sqlparse) against what
# the interpreter imports; prints "MAJOR.MINOR asgiref-version sqlparse-version".
CHECK_IMPORT='
import re, sys
from importlib import metadata
import django, asgiref, sqlparse
def num(v):
    return tuple(int(x) for x in re.findall(r"\d+", v)[:3])
have = {"asgiref": asgiref.__version__, "sqlparse": sqlparse.__version__}
need = [r for r in metadata.requires("django") or [] if ";" not in r]
python = metadata.metadata("django").get("Requires-Python") or ""
problems = []
def unmet(name, version, spec):
    for part in filter(None, (p.strip() for p in spec.split(","))):
        op, want = re.match(r"(>=|<=|==|!=|<|>)\s*(.+)", part).groups()
        a, b = num(version), num(want)
        ok = {">=": a >= b, "<=": a <= b, "==": a == b, "!=": a != b, "<": a < b, ">": a > b}[op]
        if not ok:
            problems.append("%s %s does not satisfy %s" % (name, version, part))
unmet("python", "%d.%d.%d" % sys.version_info[:3], python)
for r in need:
    m = re.match(r"([A-Za-z0-9_.-]+)\s*(.*)", r)
    if m.group(1).lower() in have:
        unmet(m.group(1), have[m.group(1).lower()], m.group(2))
if problems:
    sys.exit("; ".join(problems))
print("%d.%d" % django.VERSION[:2], have["asgiref"], have["sqlparse"])
'

for t in "${TARGETS[@]}"; do
  set -- $t
  major="$1" suite="$2"; shift 2
  if [ "${FORCE:-0}" != 1 ] && complete "$major"; then
    echo "fetch-django: Django $major already in $DEST/$major ($(cat "$DEST/$major/.complete"))"
    continue
  fi
  pattern="^3:${major//./\\.}\\."
  version="$(version_in python3-django "$suite" "$pattern")"
  if [ -z "$version" ]; then
    die "$suite has no python3-django $major.x (it has: $(apt-cache "${APT_OPTS[@]}" madison python3-django | tr -s ' ' | tr '\n' ';'))"
  fi
  specs=("python3-django=$version")
  note="python3-django $version ($suite)"
  for extra in "$@"; do
    package="${extra%/*}" from="${extra#*/}"
    v="$(version_in "$package" "$from" '.')"
    [ -n "$v" ] || die "$from has no $package"
    specs+=("$package=$v")
    note="$note, $package $v ($from)"
  done
  rm -f "$APT_DIR"/debs/*.deb
  for spec in "${specs[@]}"; do download "$spec"; done
  staging="$DEST/.$major.tmp"
  rm -rf "$staging"
  mkdir -p "$staging"
  for deb in "$APT_DIR"/debs/*.deb; do dpkg-deb -x "$deb" "$staging" || die "dpkg-deb -x $deb failed"; done
  got="$(PYTHONPATH="$staging/usr/lib/python3/dist-packages" "$PYTHON" -c "$CHECK_IMPORT" 2>&1)" ||
    die "Django $major ($note) cannot run on $PYTHON ($("$PYTHON" --version 2>&1)): $got"
  [ "${got%% *}" = "$major" ] || die "unpacked $note, but $PYTHON imports Django ${got%% *}"
  echo "$note" >"$staging/.complete"
  rm -rf "${DEST:?}/$major"
  mv "$staging" "$DEST/$major"
  echo "fetch-django: Django $major in $DEST/$major: $note (django, asgiref, sqlparse: $got)"
done

rm -rf "$APT_DIR"
