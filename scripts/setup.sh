#!/bin/sh
# One-time setup of hotlase on Debian/Ubuntu: Debian's Meep (MPI) and friends, a venv that
# sees them, the project installed editable, and proof that meep and a 2-rank mpirun work.
# Idempotent: once done (stamp matches pyproject.toml), it checks nothing and prints nothing.
set -eu
cd "$(dirname "$0")/.."
APT_PKGS="python3-meep-mpi-default python3-mpi4py python3-h5py-mpi openmpi-bin python3-matplotlib python3-scipy python3-venv python3-yaml"
VENV=.venv
PY=$VENV/bin/python
STAMP=$VENV/.hotlase-setup
WANT="$(cat pyproject.toml scripts/setup.sh | cksum)"
[ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ] && [ -x "$PY" ] && exit 0

say() { echo "setup: $*"; }
die() { echo "setup: ERROR: $*" >&2; exit 1; }

missing=""
for p in $APT_PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; else
        die "missing Debian packages:$missing; run as root or install them: apt-get install$missing"; fi
    say "installing Debian packages:$missing"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get install -y -q --no-install-recommends $missing >/dev/null 2>&1 || {
        $SUDO apt-get update -q >/dev/null 2>&1
        $SUDO apt-get install -y -q --no-install-recommends $missing >/dev/null || die "apt-get install$missing failed"; }
fi

if [ ! -x "$PY" ]; then
    say "creating $VENV from /usr/bin/python3 (sees Debian's meep, numpy, h5py)"
    /usr/bin/python3 -m venv --system-site-packages "$VENV" || die "/usr/bin/python3 -m venv failed (python3-venv missing?)"
fi
say "installing hotlase (editable) with its test extras"
# The RCWA reference of the tests (grcwa and the pure-python autograd it imports), pinned and
# without dependency resolution, so pip can never swap Debian's numpy/scipy for its own copies.
"$PY" -m pip install -q --disable-pip-version-check --no-deps grcwa==0.1.2 autograd==1.9.1 >/dev/null \
    || die "pip install --no-deps grcwa==0.1.2 autograd==1.9.1 failed"
# The type checker of `make test` (scripts/typecheck.py), pinned, same reason.
MYPY_PINS="mypy==2.4.1 mypy-extensions==1.2.0 pathspec==1.1.1 typing-extensions==4.16.0 librt==0.16.0 ast-serialize==0.13.1"
"$PY" -m pip install -q --disable-pip-version-check --no-deps $MYPY_PINS >/dev/null \
    || die "pip install --no-deps $MYPY_PINS failed"
"$PY" -m pip install -q --disable-pip-version-check -e ".[test]" >/dev/null || die "pip install -e .[test] failed"

# meep is compiled against Debian's numpy and h5py: they must not be shadowed by pip copies.
"$PY" - <<'PYEOF' || die "numpy/h5py/scipy must come from Debian (/usr/lib/python3/dist-packages); remove pip copies from $VENV"
import numpy, h5py, scipy
for m in (numpy, h5py, scipy):
    assert m.__file__.startswith("/usr/lib/python3/dist-packages"), m.__file__
PYEOF
"$PY" -c "import grcwa, autograd" >/dev/null 2>&1 || die "'import grcwa' fails in $VENV (the tests' RCWA reference)"
"$PY" -m mypy --version >/dev/null 2>&1 || die "'python -m mypy' fails in $VENV (the type check of make test)"
"$PY" -c "import meep" >/dev/null 2>&1 || die "'import meep' fails in $VENV: is python3-meep-mpi-default installed for /usr/bin/python3?"
ROOTFLAGS=""
[ "$(id -u)" = 0 ] && ROOTFLAGS="--allow-run-as-root --oversubscribe"
out=$(mpirun $ROOTFLAGS -np 2 "$PY" -c "from mpi4py import MPI; import meep; print('rank', MPI.COMM_WORLD.rank, 'of', MPI.COMM_WORLD.size)" 2>&1) \
    || die "2-rank mpirun failed: $out"
echo "$out" | grep -q "of 2" || die "mpirun did not start 2 ranks: $out"
echo "$WANT" > "$STAMP"
say "ok: meep $("$PY" -c 'import meep; print("meep=" + meep.__version__)' 2>/dev/null | sed -n 's/^meep=//p'), 2-rank mpirun works"
