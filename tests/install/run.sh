#!/usr/bin/env bash
# Installs the SDK as its users do and proves each install works (`make test-install`,
# part of `make test`; `make dist` first):
#   1. the wheel of dist/ into a fresh virtualenv, and
#   2. the npm tarball of dist/ into a fresh application folder,
#      both with cargo and rustc off PATH, each creating an instance against a sandbox;
#   3. `npm install <source>/bindings-node` with cargo off PATH: fails with the message
#      that says what is missing, and `require()` of the folder says the same;
#   4. `npm install <source>/bindings-node` with cargo: compiles the module on install;
#   5. `pip install <source>/bindings-python`: compiles the wheel from source.
# The source is a copy of the working tree's files (tracked and new, not ignored), so
# the repository is never written to. Everything lands in target/install-test/.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dist="$root/dist"
work="${CARGO_TARGET_DIR:-$root/target}/install-test"
with_sandbox="$root/tests/with-sandbox.sh"
smoke="$root/tests/install"
rm -rf "$work"
mkdir -p "$work"

step() { printf '\ntest-install: %s\n' "$*"; }
die() { printf 'test-install: FAILED: %s\n' "$*" >&2; exit 1; }

# PATH without Rust: every entry that holds cargo or rustc is left out.
norust=""
IFS=: read -ra entries <<<"$PATH"
for d in "${entries[@]}"; do
  [[ -z "$d" || -e "$d/cargo" || -e "$d/rustc" ]] && continue
  norust="${norust:+$norust:}$d"
done
for tool in python3 node npm; do
  PATH="$norust" command -v "$tool" >/dev/null || die "$tool shares a PATH folder with cargo or rustc; cannot hide Rust from this test"
done
PATH="$norust" command -v cargo >/dev/null && die "cargo is still on the PATH without Rust"

shopt -s nullglob
wheels=("$dist"/*.whl)
tarballs=("$dist"/open-connectors-*.tgz)
[[ ${#wheels[@]} -eq 1 ]] || die "expected one wheel in dist/, found ${#wheels[@]} (make dist)"
[[ ${#tarballs[@]} -eq 1 ]] || die "expected one npm tarball in dist/, found ${#tarballs[@]} (make dist)"

step "1. pip install ${wheels[0]#"$root/"} (no Rust on PATH)"
PATH="$norust" python3 -m venv "$work/venv"
PATH="$norust" "$work/venv/bin/python" -m pip install --disable-pip-version-check --quiet --no-index "${wheels[0]}"
PATH="$norust" "$with_sandbox" "$work/venv/bin/python" "$smoke/smoke.py" "$work/venv" --no-rust
PATH="$norust" "$work/venv/bin/open-connectors" --version

step "2. npm install ${tarballs[0]#"$root/"} (no Rust on PATH)"
mkdir -p "$work/app"
echo '{ "name": "install-test-app", "private": true }' >"$work/app/package.json"
(cd "$work/app" && PATH="$norust" npm install --no-audit --no-fund "${tarballs[0]}" 2>&1 | tee "$work/npm-tarball.log")
! grep -q EBADENGINE "$work/npm-tarball.log" || die "npm warned EBADENGINE installing the tarball"
(cd "$work/app" && PATH="$norust" "$with_sandbox" node "$smoke/smoke.cjs" "$work/app/node_modules" --no-rust)
(cd "$work/app" && PATH="$norust" npx --no-install open-connectors --version)

step "copy of the source tree into ${work#"$root/"}/src"
mkdir -p "$work/src"
(cd "$root" && git ls-files -z --cached --others --exclude-standard \
  | tar --null --ignore-failed-read -T - -cf - 2>/dev/null) | tar -xf - -C "$work/src"
[[ ! -e "$work/src/bindings-node/open-connectors.$(node -p "require('$root/bindings-node/platform.js').platformSuffix()").node" ]] \
  || die "the source copy holds a built native module"

step "3. npm install <source>/bindings-node without cargo: a clear failure"
mkdir -p "$work/app-norust"
echo '{ "name": "install-test-norust", "private": true }' >"$work/app-norust/package.json"
if (cd "$work/app-norust" && PATH="$norust" npm install --no-audit --no-fund "$work/src/bindings-node" >"$work/npm-norust.log" 2>&1); then
  cat "$work/npm-norust.log"; die "npm install of a source folder succeeded without cargo"
fi
grep -q 'was not found on PATH' "$work/npm-norust.log" && grep -q 'https://rustup.rs' "$work/npm-norust.log" \
  || { cat "$work/npm-norust.log"; die "npm's failure does not say that cargo is missing and how to get it"; }
echo "npm install failed as it should:"; grep -A2 'open-connectors: no native module' "$work/npm-norust.log"
msg=$(PATH="$norust" node -e "try { require('$work/src/bindings-node') } catch (e) { console.log(e.code); console.log(e.message) }")
grep -q '^ERR_OPEN_CONNECTORS_NATIVE_MISSING$' <<<"$msg" && grep -q 'npm run build' <<<"$msg" \
  || die "require() of an unbuilt source folder does not say what to do: $msg"
echo "require() says: $(sed -n 2p <<<"$msg")"

step "4. npm install <source>/bindings-node with cargo: compiled on install"
mkdir -p "$work/app-src"
echo '{ "name": "install-test-source", "private": true }' >"$work/app-src/package.json"
start=$(date +%s)
(cd "$work/app-src" && npm install --no-audit --no-fund --foreground-scripts "$work/src/bindings-node" 2>&1 | tail -n 5)
echo "npm install from source took $(( $(date +%s) - start )) s"
(cd "$work/app-src" && "$with_sandbox" node "$smoke/smoke.cjs" "$work/src/bindings-node")

step "5. pip install <source>/bindings-python: compiled from source"
python3 -m venv "$work/venv-src"
start=$(date +%s)
"$work/venv-src/bin/python" -m pip install --disable-pip-version-check --quiet "$work/src/bindings-python"
echo "pip install from source took $(( $(date +%s) - start )) s"
"$with_sandbox" "$work/venv-src/bin/python" "$smoke/smoke.py" "$work/venv-src"

step "every install works"
