#!/usr/bin/env bash
# Installs the system packages the tests drive for real (an OCI registry, openssl, an HTTP proxy, buildah),
# when they are missing and we run as root; otherwise says what to install.
set -euo pipefail
need=()
command -v docker-registry >/dev/null 2>&1 || [ -x /usr/bin/docker-registry ] || need+=(docker-registry)
# The TLS tests make their CA and certificates with openssl; the proxy tests go through a real tinyproxy.
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v tinyproxy >/dev/null 2>&1 || [ -x /usr/bin/tinyproxy ] || need+=(tinyproxy)
# The explain page and flowchart tests look at them in Debian's headless Chromium (test/_chromium.ts).
[ -x /usr/bin/chromium ] || need+=(chromium)
# The sidecar Dockerfile test (test/argocd-image.test.ts, scripts/test-dockerfile.sh) builds with buildah
# on a debootstrap'ed base.
command -v buildah >/dev/null 2>&1 || need+=(buildah)
command -v debootstrap >/dev/null 2>&1 || [ -x /usr/sbin/debootstrap ] || need+=(debootstrap)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing: ${need[*]}" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
  else
    echo "missing: ${need[*]} (install with: sudo apt-get install ${need[*]})" >&2
  fi
fi
