# syntax=docker/dockerfile:1
#
# Three images from one build, chosen with --target (docker-compose.yml does):
#   web      the Next.js standalone server          (node server.js, port 3000)
#   worker   the worker bundle, no node_modules     (node worker.mjs, port 4000)
#   migrate  `prisma migrate deploy`, then exits    (run before web and worker)
# Nothing secret is read at build time: every image is configured by its
# environment when it starts. tests/integration/dockerfile.test.ts lints this file.

ARG NODE_VERSION=24

FROM node:${NODE_VERSION}-bookworm-slim AS base
ENV NEXT_TELEMETRY_DISABLED=1
WORKDIR /app

# ── Build stages ───────────────────────────────────────────────────────────
# What `npm ci` reads: the manifests, and prisma.config.ts + prisma/ for the
# postinstall's `prisma generate`.
FROM base AS install
# The schema engine: Prisma's WebAssembly build (prisma/engine/), chosen here
# rather than detected. The native binary would be downloaded from
# binaries.prisma.sh during `npm ci` and needs libssl, which the slim image
# lacks; with this set, `npm ci` downloads nothing but npm packages.
ENV PRISMA_SCHEMA_ENGINE_BINARY=/app/prisma/engine/schema-engine-wasm.mjs \
    PRISMA_HIDE_UPDATE_MESSAGE=1 \
    CHECKPOINT_DISABLE=1
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma ./prisma

# Every dependency, for the build.
FROM install AS deps
RUN --mount=type=cache,target=/root/.npm,sharing=locked \
    npm ci --no-audit --no-fund

# What `prisma migrate deploy` loads, and nothing else: the Prisma CLI and the
# wasm engine's imports, at the lockfile's versions (see the script). About a
# third of `npm ci --omit=dev`, which would bring Next.js and React along.
FROM install AS migrate-deps
RUN --mount=type=cache,target=/root/.npm,sharing=locked \
    node prisma/engine/migrate-package.mjs && \
    npm install --omit=dev --ignore-scripts --no-audit --no-fund

# `npm run build`: .next/standalone (the server, its traced node_modules and
# static assets) and dist/worker.mjs. Paths: tooling/build-output.ts.
FROM deps AS build
COPY . .
RUN npm run build

# ── Images ─────────────────────────────────────────────────────────────────
# The code is owned by root and only readable by the `node` user it runs as.

FROM base AS web
ENV NODE_ENV=production \
    HOSTNAME=0.0.0.0 \
    PORT=3000
COPY --link --from=build /app/.next/standalone ./
USER node
EXPOSE 3000
CMD ["node", "server.js"]

FROM base AS worker
ENV NODE_ENV=production \
    WORKER_HOST=0.0.0.0 \
    WORKER_PORT=4000
COPY --link --from=build /app/dist/worker.mjs /app/dist/worker.mjs.map ./
USER node
EXPOSE 4000
CMD ["node", "--enable-source-maps", "worker.mjs"]

FROM base AS migrate
ENV NODE_ENV=production \
    PRISMA_SCHEMA_ENGINE_BINARY=/app/prisma/engine/schema-engine-wasm.mjs \
    PRISMA_HIDE_UPDATE_MESSAGE=1 \
    CHECKPOINT_DISABLE=1
COPY --link --from=migrate-deps /app/node_modules ./node_modules
COPY --link package.json prisma.config.ts ./
COPY --link prisma ./prisma
USER node
CMD ["node", "node_modules/prisma/build/index.js", "migrate", "deploy"]
