# Sourced by .ci/run before anything else: leaves a supported Node (package.json
# "engines": ^22.13 || >= 24) first on PATH for the rest of the script.
#
# A machine whose own node is older (Debian 12 and 13 ship Node 18 and 20)
# gets Node 24 from the npm registry, the one registry CI machines reach: the
# official binary as the node-linux-<arch> package, checked against the sha512
# pinned here, unpacked once into a cache and reused on later runs. npm itself
# is JavaScript and runs on whichever node comes first on PATH, so the
# machine's npm carries on with the new node.

CI_NODE_VERSION=24.22.3
# `npm view node-linux-<arch>@<version> dist.integrity`
declare -A CI_NODE_INTEGRITY=(
  [x64]="sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA=="
  [arm64]="sha512-IZx0J52/1NDwAsY2iyWR9nlPIYuYviTWetjj8+ElvYQh2+XRhLfCfkbFEF/2O5vGI2hcUbyPNHV+nz342FbJXw=="
)

ci_node_supported() {
  command -v node >/dev/null &&
    node -e 'const [major, minor] = process.versions.node.split(".").map(Number);
      process.exit(major >= 24 || (major === 22 && minor >= 13) ? 0 : 1)'
}

ci_node_install() {
  local arch
  case "$(uname -m)" in
    x86_64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) echo "ci-node: no Node $CI_NODE_VERSION package for $(uname -m)" >&2; return 1 ;;
  esac
  local dir="${CI_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ci-node}/node-v$CI_NODE_VERSION-linux-$arch"
  if [ ! -x "$dir/bin/node" ]; then
    if ! command -v npm >/dev/null; then
      echo "ci-node: no npm to fetch Node $CI_NODE_VERSION with: install Node >= 22.13 first" >&2
      return 1
    fi
    echo "== fetching Node $CI_NODE_VERSION (node-linux-$arch from the npm registry) into $dir"
    local tmp
    tmp="$(mktemp -d)"
    (cd "$tmp" && npm pack --silent "node-linux-$arch@$CI_NODE_VERSION" >/dev/null) || { rm -rf "$tmp"; return 1; }
    local tarball="$tmp/node-linux-$arch-$CI_NODE_VERSION.tgz" actual
    actual="$(node -e 'const { createHash } = require("node:crypto");
      process.stdout.write("sha512-" + createHash("sha512").update(require("node:fs").readFileSync(process.argv[1])).digest("base64"))' "$tarball")"
    if [ "$actual" != "${CI_NODE_INTEGRITY[$arch]}" ]; then
      echo "ci-node: node-linux-$arch-$CI_NODE_VERSION.tgz is $actual, expected ${CI_NODE_INTEGRITY[$arch]}" >&2
      rm -rf "$tmp"
      return 1
    fi
    # Only the binary and its licence; unpacked beside the cache entry and
    # renamed into place, so an interrupted run never leaves half a node.
    mkdir -p "$tmp/unpacked" "$(dirname "$dir")"
    tar -xzf "$tarball" -C "$tmp/unpacked" --strip-components=1 package/bin/node package/LICENSE
    rm -rf "$dir.partial" && mv "$tmp/unpacked" "$dir.partial" && mv -T "$dir.partial" "$dir"
    rm -rf "$tmp"
  fi
  export PATH="$dir/bin:$PATH"
  hash -r
  # Debian's node trusts the system's certificate store; the official build
  # only the certificates it bundles. Trusting the system's too keeps a CA the
  # machine added (a TLS-inspecting proxy's) working for npm and the tests.
  if [ -z "${NODE_EXTRA_CA_CERTS:-}" ] && [ -r /etc/ssl/certs/ca-certificates.crt ]; then
    export NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
  fi
}

if ! ci_node_supported; then
  echo "== this machine's node ($(command -v node >/dev/null && node --version || echo "none")) is older than 22.13: using Node $CI_NODE_VERSION"
  ci_node_install
  ci_node_supported || { echo "ci-node: $(command -v node) is still not Node >= 22.13" >&2; return 1; }
fi
