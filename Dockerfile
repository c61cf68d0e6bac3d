# The Argo CD Config Management Plugin sidecar for meshext: Node 24, the bundled CLI and plugin.yaml.
#   docker build -t meshext-argocd .
# examples/argocd/ adds it to the repo-server. The image needs no Argo CD binary of its own: the
# repo-server's copyutil init container puts argocd-cmp-server into the shared /var/run/argocd.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# No install scripts: the devDependency `node` would fetch the pinned Node for npm scripts, and the
# build must run on this image's Node, the one that runs the result and takes its code cache.
# (esbuild works without its install script.)
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json ./
COPY scripts/ scripts/
COPY src/ src/
RUN npm run build && node dist/meshext.cjs --version

FROM ${NODE_IMAGE}
# The bundle is self-contained (dependencies inlined; the app script, its V8 code cache, made by
# this same Node in the build stage, and the validator scripts beside the entry): no node_modules.
COPY --from=build /src/dist/ /opt/meshext/dist/
# Argo CD's user: the cmp-server runs as 999 (runAsUser in the repo-server patch) and unpacks each
# request under /tmp, an emptyDir of its own, where meshext keeps its image cache too.
RUN ln -s /opt/meshext/dist/meshext.cjs /usr/local/bin/meshext \
 && groupadd --gid 999 argocd \
 && useradd --uid 999 --gid 999 --home-dir /home/argocd --create-home --shell /bin/sh argocd \
 && meshext --version
WORKDIR /home/argocd/cmp-server/config/
COPY plugin.yaml ./
ENV HOME=/home/argocd \
    XDG_CACHE_HOME=/tmp/cache
USER 999
WORKDIR /home/argocd
ENTRYPOINT ["/var/run/argocd/argocd-cmp-server"]
