#!/usr/bin/env bash
# Builds the container image exchange-um-mock:TAG (default: latest) from this checkout, pulling
# no base image: a statically linked release binary in an image FROM scratch.
#
#   bash packaging/image.sh [TAG]
#   CONTAINER_ENGINE=podman bash packaging/image.sh [TAG]
#
# Needs cargo and docker (or podman). The build log goes to stderr; the last line on stdout is
# the image reference, so `image=$(bash packaging/image.sh | tail -n 1)` works in scripts.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

engine="${CONTAINER_ENGINE:-docker}"
tag="${1:-latest}"
image="exchange-um-mock:$tag"
# Keep stdout for the image reference alone: everything else, ours and the tools', to stderr.
exec 3>&1 1>&2

# A key of Cargo.toml's [package] table, e.g. version = "0.1.0".
package_key() {
  sed -n '/^\[package\]/,/^\[/ s/^'"$1"' *= *"\(.*\)"$/\1/p' Cargo.toml | head -n 1
}
version="$(package_key version)"
licenses="$(package_key license)"
description="$(package_key description)"
# Where the source is: the crate's repository, else where this clone came from, else the
# checkout itself.
source_url="$(package_key repository)"
if [ -z "$source_url" ]; then
  source_url="$(git remote get-url origin 2>/dev/null || echo "file://$root")"
fi
revision="$(git rev-parse HEAD 2>/dev/null || echo unknown)"

# A static glibc binary runs in an empty image. The target triple given explicitly puts it in
# its own folder, and RUSTFLAGS then apply to it alone (not to build scripts and proc macros),
# so the normal target/release build is left as it is.
triple=x86_64-unknown-linux-gnu
echo "== cargo build --release --target $triple (+crt-static)"
RUSTFLAGS="-C target-feature=+crt-static" \
  cargo build --release --locked --target "$triple" --bin exchange-um-mock
binary="${CARGO_TARGET_DIR:-target}/$triple/release/exchange-um-mock"
# A library ldd resolves ("libc.so.6 => …") means the binary needs files the image lacks.
if command -v ldd >/dev/null && ldd "$binary" 2>&1 | grep -q '=>'; then
  echo "image.sh: $binary is dynamically linked; it would not start in an empty image" >&2
  exit 1
fi

context="$(mktemp -d)"
trap 'rm -rf "$context"' EXIT
cp "$binary" "$context/exchange-um-mock"
chmod 0755 "$context/exchange-um-mock"
mkdir -m 0755 "$context/state"
cp packaging/Dockerfile "$context/Dockerfile"

engine_args=()
case "$(basename "$engine")" in
  # podman writes OCI images by default, and the OCI format has no HEALTHCHECK.
  podman) engine_args+=(--format docker) ;;
esac

echo "== $engine build -t $image"
DOCKER_BUILDKIT=0 "$engine" build "${engine_args[@]}" \
  --build-arg "VERSION=$version" \
  --build-arg "LICENSES=$licenses" \
  --build-arg "DESCRIPTION=$description" \
  --build-arg "SOURCE=$source_url" \
  --build-arg "REVISION=$revision" \
  --tag "$image" "$context"

echo "$image" >&3
