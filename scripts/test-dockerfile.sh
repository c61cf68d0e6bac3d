#!/usr/bin/env bash
# Builds ./Dockerfile (the Argo CD sidecar) with buildah, without a Docker engine or a registry, and
# checks the image: entrypoint, user 999, plugin.yaml location, a writable cache under /tmp, no
# node_modules, `meshext --version`, and a render plus plugin.yaml's discover and generate run inside
# it as the cmp-server would (user 999, a random dir under /tmp, files 0644) giving the same bytes
# as the host. Needs root and Debian's buildah and debootstrap (scripts/setup-test-env.sh installs
# them). Every image and layer lives in a temp dir that is removed at the end.
#
# Given a TLS registry on loopback (test/argocd-image.test.ts starts one, and a proxy), it also
# renders from it live inside the image, configured as examples/argocd/argocd-repo-server-patch.yaml
# configures the sidecar: MESHEXT_TEST_TLS_REGISTRY (host:port), MESHEXT_TEST_TLS_FILES (ca/ca-bundle.crt,
# certs.d/<host:port>/ca.crt, docker/config.json, app/ with a declaration naming an image there,
# want.yaml: the host's render of app/) and MESHEXT_TEST_TLS_PROXY (an HTTPS_PROXY URL).
#
# The base image the Dockerfile names (node:24-bookworm-slim) cannot be pulled here, so it is
# assembled under that name: a Debian bookworm minbase root (debootstrap, from this machine's apt
# mirror) plus a Node 24 and this machine's npm, with its CA bundle as NODE_EXTRA_CA_CERTS so npm ci
# inside the build reaches the npm registry (--network host). The Node is $MESHEXT_TEST_NODE (the
# test passes the Node it runs on, the pinned Node 24 of npm scripts), else the `node` on PATH; it
# also runs the host side of every comparison. Not $NODE: npm sets that to the Node running npm.
#
# Prints `dockerfile: ok (N s)` last and exits 0 when every check passed.
set -euo pipefail
PATH=$PATH:/usr/sbin:/sbin
ROOT=$(cd "$(dirname "$0")/.." && pwd)
START=$(date +%s)
say() { printf '[%3ss] %s\n' "$(( $(date +%s) - START ))" "$*" >&2; }
fail() { printf 'dockerfile: FAILED: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || fail "needs root (buildah with vfs storage and chroot isolation)"
for t in buildah debootstrap; do command -v "$t" >/dev/null || fail "$t is missing: run scripts/setup-test-env.sh as root"; done
NODE_BIN=$(readlink -f "${MESHEXT_TEST_NODE:-$(command -v node || true)}")
[ -x "$NODE_BIN" ] || fail "no node: set MESHEXT_TEST_NODE or put node on PATH"
node() { "$NODE_BIN" "$@"; }
NODE_MAJOR=$(sed -n 's/^ARG NODE_IMAGE=node:\([0-9]*\)[-.].*/\1/p' "$ROOT/Dockerfile")
[ -z "$NODE_MAJOR" ] || [ "$(node -p 'process.versions.node.split(".")[0]')" = "$NODE_MAJOR" ] \
  || fail "$NODE_BIN is Node $(node --version), the Dockerfile's base is Node $NODE_MAJOR: run this with a Node $NODE_MAJOR (npm scripts run the pinned one)"
[ -f "$ROOT/dist/meshext.cjs" ] || fail "dist/meshext.cjs is missing: npm run build first"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/meshext-dockerfile.XXXXXX")
B=(buildah --root "$WORK/storage" --runroot "$WORK/run" --storage-driver vfs)
cleanup() {
  "${B[@]}" rm --all >/dev/null 2>&1 || true
  "${B[@]}" rmi --all --force >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

BASE=$(sed -n 's/^ARG NODE_IMAGE=//p' "$ROOT/Dockerfile" | head -n 1)
[ -n "$BASE" ] || fail "Dockerfile has no ARG NODE_IMAGE=<image>"
case "$BASE" in */*) BASE_REF=$BASE ;; *) BASE_REF=docker.io/library/$BASE ;; esac
SUITE=bookworm
MIRROR=$(sed -n 's/^URIs:[[:space:]]*//p' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -n 1 || true)
[ -n "$MIRROR" ] || MIRROR=$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { print $i; exit } }' /etc/apt/sources.list 2>/dev/null || true)
MIRROR=${MIRROR:-http://deb.debian.org/debian}

# 1. The base image.
say "debootstrap --variant=minbase $SUITE from $MIRROR"
debootstrap --variant=minbase "$SUITE" "$WORK/rootfs" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 \
  || { say "debootstrap failed, once more"; rm -rf "$WORK/rootfs"; debootstrap --variant=minbase "$SUITE" "$WORK/rootfs" "$MIRROR" >"$WORK/debootstrap.log" 2>&1; } \
  || { tail -n 20 "$WORK/debootstrap.log" >&2; fail "debootstrap"; }
# Slim, as debian:bookworm-slim is: no downloaded packages, apt lists, docs, man pages or locales.
rm -rf "$WORK"/rootfs/var/cache/apt/archives/*.deb "$WORK"/rootfs/var/lib/apt/lists/* \
  "$WORK"/rootfs/usr/share/doc/* "$WORK"/rootfs/usr/share/man/* "$WORK"/rootfs/usr/share/info/* "$WORK"/rootfs/usr/share/locale/*
NODE=$NODE_BIN
NPM_DIR=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
install -D -m 0755 "$NODE" "$WORK/rootfs/usr/local/bin/node"
mkdir -p "$WORK/rootfs/usr/local/lib/node_modules"
cp -a "$NPM_DIR" "$WORK/rootfs/usr/local/lib/node_modules/npm"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$WORK/rootfs/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$WORK/rootfs/usr/local/bin/npx"
# Any library node links against that the Debian root lacks.
for lib in $(ldd "$NODE" | awk '/=> \// { print $3 } /^[[:space:]]*\// { print $1 }'); do
  [ -e "$WORK/rootfs$lib" ] || install -D "$(readlink -f "$lib")" "$WORK/rootfs$lib"
done
install -D -m 0644 /etc/ssl/certs/ca-certificates.crt "$WORK/rootfs/etc/ssl/certs/ca-certificates.crt"
chroot "$WORK/rootfs" /usr/local/bin/node --version >/dev/null || fail "node does not run in the Debian root"
ctr=$("${B[@]}" from --pull=never scratch)
mnt=$("${B[@]}" mount "$ctr")
cp -a "$WORK/rootfs/." "$mnt/"
"${B[@]}" umount "$ctr" >/dev/null
rm -rf "$WORK/rootfs"
"${B[@]}" config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  --env NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt --cmd node "$ctr"
"${B[@]}" commit --quiet "$ctr" "$BASE_REF" >/dev/null
"${B[@]}" rm "$ctr" >/dev/null
say "base image $BASE_REF assembled (node $(node --version), $(du -sm "$WORK/storage" | cut -f1) MB stored)"

# 2. The build, exactly as `docker build .` would run it.
IMAGE=localhost/meshext-argocd:test
say "buildah build (npm ci + npm run build inside)"
"${B[@]}" build --pull=never --isolation chroot --network host --layers=false -f "$ROOT/Dockerfile" -t "$IMAGE" "$ROOT" >"$WORK/build.log" 2>&1 || { tail -n 40 "$WORK/build.log" >&2; fail "buildah build"; }
grep -E 'STEP [0-9]+/[0-9]+: (FROM|RUN)|^added [0-9]+ packages' "$WORK/build.log" | sed 's/^/    /' >&2 || true
say "image built"

# 3. The image's config.
cfg=$("${B[@]}" inspect --type image "$IMAGE")
node -e '
  const c = JSON.parse(process.argv[1]).OCIv1.config;
  const want = (ok, what) => { if (!ok) { console.error(`config: ${what}: ${JSON.stringify(c)}`); process.exit(1); } };
  want(JSON.stringify(c.Entrypoint) === JSON.stringify(["/var/run/argocd/argocd-cmp-server"]), "entrypoint");
  want(c.User === "999" || c.User === "999:999", "user 999");
  want((c.Env || []).some((e) => /^XDG_CACHE_HOME=\/tmp(\/|$)/.test(e)), "XDG_CACHE_HOME under /tmp");
' "$cfg" || fail "image config"
say "config: entrypoint, user 999, XDG_CACHE_HOME under /tmp"

# 4. Inside the image, as the image's own user.
ctr=$("${B[@]}" from --pull=never "$IMAGE")
run() { "${B[@]}" run --isolation chroot "$@"; }
mnt=$("${B[@]}" mount "$ctr")
cmp "$mnt/home/argocd/cmp-server/config/plugin.yaml" "$ROOT/plugin.yaml" || fail "plugin.yaml is not at /home/argocd/cmp-server/config/plugin.yaml"
[ ! -e "$mnt/opt/meshext/node_modules" ] || fail "the runtime image carries node_modules"
# The request the cmp-server would unpack: files 0644, dirs 0755, owned by the server's user.
APPDIR=/tmp/_cmp_server/$(cat /proc/sys/kernel/random/uuid)
mkdir -p "$mnt$APPDIR/examples"
cp -r "$ROOT/examples/native" "$mnt$APPDIR/examples/native"
[ -z "${MESHEXT_TEST_TLS_REGISTRY:-}" ] || cp -r "$MESHEXT_TEST_TLS_FILES/app" "$mnt$APPDIR/registry"
find "$mnt$APPDIR" -type d -exec chmod 0755 {} + && find "$mnt$APPDIR" -type f -exec chmod 0644 {} +
chown -R 999:999 "$mnt/tmp/_cmp_server"
"${B[@]}" umount "$ctr" >/dev/null
[ "$(run "$ctr" -- id -u)" = 999 ] || fail "the image does not run as 999"
version=$(run "$ctr" -- meshext --version)
[ "$version" = "$(node "$ROOT/dist/meshext.cjs" --version)" ] || fail "meshext --version in the image: $version"
say "meshext --version in the image: $version"
# The code cache the build stage made is the runtime Node's: same stamp, and V8 takes it.
cache=$(run "$ctr" -- node -e '
  const { Script, constants } = require("node:vm");
  const { readFileSync } = require("node:fs");
  const file = "/opt/meshext/dist/meshext.app.js";
  const source = readFileSync(file, "utf8");
  const bytes = readFileSync("/opt/meshext/dist/meshext.app.cache");
  const nl = bytes.indexOf(10);
  const stamp = bytes.toString("latin1", 0, nl).trimEnd();
  const want = `meshext-code-cache ${process.version} ${process.platform}-${process.arch} v8-${process.versions.v8} ${source.length} ${source.slice(0, source.indexOf("\n"))}`;
  if (stamp !== want) { console.log(`stamped "${stamp}", this Node would take "${want}"`); process.exit(0); }
  const s = new Script(source, { filename: file, cachedData: bytes.subarray(nl + 1), importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER });
  console.log(s.cachedDataRejected ? "refused by V8" : `taken by ${process.version}`);
') || fail "the code cache probe failed in the image"
case "$cache" in "taken by v$NODE_MAJOR"*) ;; *) fail "the app's code cache in the image is not the image Node's: $cache" ;; esac
say "code cache in the image: $cache"
run "$ctr" -- sh -c 'mkdir -p "$XDG_CACHE_HOME/meshext" && touch "$XDG_CACHE_HOME/meshext/probe"' || fail "the cache dir is not writable for 999"
want=$(cd "$ROOT" && node dist/meshext.cjs render examples/native --offline)
got=$(run --workingdir "$APPDIR" "$ctr" -- meshext render examples/native --offline) || fail "render in the image"
[ "$got" = "$want" ] || fail "render in the image differs from the host's"
say "render in the image: same bytes as the host"
# plugin.yaml's own commands (the copy in the image is the same file, checked above).
plugin_json=$(cd "$ROOT" && node --input-type=module -e '
  import { parse } from "yaml";
  import { readFileSync } from "node:fs";
  const p = parse(readFileSync("plugin.yaml", "utf8"));
  const argv = (c) => [...(c.command ?? []), ...(c.args ?? [])];
  console.log(JSON.stringify({ discover: argv(p.spec.discover.find), generate: argv(p.spec.generate) }));
')
readarray -d '' DISCOVER < <(node -e 'for (const a of JSON.parse(process.argv[1]).discover) process.stdout.write(a + "\0")' "$plugin_json")
readarray -d '' GENERATE < <(node -e 'for (const a of JSON.parse(process.argv[1]).generate) process.stdout.write(a + "\0")' "$plugin_json")
found=$(run --workingdir "$APPDIR/examples/native" "$ctr" -- "${DISCOVER[@]}") || fail "discover exited non-zero in the image"
[ -n "$found" ] || fail "discover did not match examples/native in the image"
say "discover in the image matches examples/native ($found)"
got=$(run --workingdir "$APPDIR/examples/native" \
  --env ARGOCD_APP_NAME=mesh-extensions --env ARGOCD_APP_NAMESPACE=istio-system \
  --env ARGOCD_APP_SOURCE_PATH=examples/native --env ARGOCD_APP_SOURCE_REPO_URL=https://git.example.com/platform/mesh.git \
  --env 'ARGOCD_APP_PARAMETERS=[{"name":"locked","string":"true"},{"name":"offline","string":"true"}]' \
  --env PARAM_LOCKED=true --env PARAM_OFFLINE=true \
  "$ctr" -- "${GENERATE[@]}" </dev/null) || fail "plugin.yaml's generate in the image"
[ "$got" = "$want" ] || fail "generate in the image differs from the host's render"
say "plugin.yaml generate in the image: same bytes as the host"

# 5. Live renders from a TLS registry with a private CA, as user 999 with the image's HOME and
# XDG_CACHE_HOME, each from an empty cache: without the CA (refused), with the CA bundle mounted and
# named by NODE_EXTRA_CA_CERTS, and through HTTPS_PROXY with the CA in a mounted certs.d/<host:port>/.
# Registry credentials are ~/.docker/config.json, mounted as the patch mounts its Secret.
if [ -n "${MESHEXT_TEST_TLS_REGISTRY:-}" ]; then
  REG=$MESHEXT_TEST_TLS_REGISTRY
  TLS=$MESHEXT_TEST_TLS_FILES
  # chroot isolation makes no network namespace of its own (checked, so the loopback registry is in
  # reach); --network host states it.
  [ "$(run --network host "$ctr" -- readlink /proc/self/ns/net)" = "$(readlink /proc/self/ns/net)" ] \
    || fail "buildah run does not share the host's network namespace: the loopback registry is out of reach"
  say "network: buildah run --isolation chroot shares the host's network namespace"
  live() {
    run "$ctr" -- rm -rf /tmp/cache/meshext
    run --network host --workingdir "$APPDIR/registry" --mount "type=bind,src=$TLS/docker,dst=/home/argocd/.docker,ro" "$@" "$ctr" -- meshext render .
  }
  if live >/dev/null 2>"$WORK/untrusted.err"; then fail "a live render in the image trusted the private CA without being given it"; fi
  grep -q 'unknown authority' "$WORK/untrusted.err" || { cat "$WORK/untrusted.err" >&2; fail "the untrusted render in the image failed for another reason"; }
  say "live render in the image without the CA: refused, unknown authority"
  want=$(cat "$TLS/want.yaml")
  got=$(live --mount "type=bind,src=$TLS/ca,dst=/etc/meshext/ca,ro" --env NODE_EXTRA_CA_CERTS=/etc/meshext/ca/ca-bundle.crt) \
    || fail "the live render in the image with NODE_EXTRA_CA_CERTS"
  [ "$got" = "$want" ] || fail "the live render in the image with NODE_EXTRA_CA_CERTS differs from the host's"
  say "live render in the image from the private-CA TLS registry (NODE_EXTRA_CA_CERTS, ~/.docker/config.json): same bytes as the host"
  got=$(live --mount "type=bind,src=$TLS/certs.d/$REG,dst=/etc/containers/certs.d/$REG,ro" --env "HTTPS_PROXY=$MESHEXT_TEST_TLS_PROXY") \
    || fail "the live render in the image through HTTPS_PROXY with certs.d"
  [ "$got" = "$want" ] || fail "the live render in the image through HTTPS_PROXY differs from the host's"
  say "live render in the image through HTTPS_PROXY, trusting certs.d/<host:port>/ca.crt: same bytes as the host"
else
  say "live renders from a TLS registry: not run (no MESHEXT_TEST_TLS_REGISTRY; test/argocd-image.test.ts sets it)"
fi
"${B[@]}" rm "$ctr" >/dev/null

echo "dockerfile: ok ($(( $(date +%s) - START )) s)"
