# syntax=docker/dockerfile:1
#
# Three images from one build, chosen with --target (docker-compose.yml does):
#   web      the Next.js standalone server          (node server.js, port 3000)
#   worker   the worker bundle                      (node worker.mjs, port 4000;
#            its extraction threads run extract-thread.mjs beside it; the
#            packages it cannot inline are in node_modules beside it)
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
ENV PRISMA_HIDE_UPDATE_MESSAGE=1 \
    CHECKPOINT_DISABLE=1
# libssl3 (6 MB): what Prisma's native schema engine links against, and how
# Prisma tells which build of it to download (debian-openssl-3.0.x). No
# engine is chosen here: prisma.config.ts picks the native one where
# @prisma/engines' postinstall could download it, else the wasm fallback
# (prisma/engine/select-engine.ts, docs/decisions/0003-…).
RUN apt-get update && \
    apt-get install -y --no-install-recommends libssl3 && \
    rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma ./prisma

# Every dependency, for the build.
FROM install AS deps
RUN --mount=type=cache,target=/root/.npm,sharing=locked \
    npm ci --no-audit --no-fund

# What `prisma migrate deploy` loads, and nothing else: the Prisma CLI and the
# wasm engine's imports, at the lockfile's versions (see the script). About a
# third of `npm ci --omit=dev`, which would bring Next.js and React along.
# Of the install scripts only @prisma/engines' postinstall runs: it downloads
# the native schema engine from binaries.prisma.sh, or, where that cannot be
# reached, fails softly and leaves the wasm fallback in charge. The last line
# shows in the build log which of the two `prisma migrate deploy` will run.
FROM install AS migrate-deps
RUN --mount=type=cache,target=/root/.npm,sharing=locked \
    node prisma/engine/migrate-package.mjs && \
    npm install --omit=dev --ignore-scripts --no-audit --no-fund && \
    node node_modules/@prisma/engines/scripts/postinstall.js && \
    node node_modules/prisma/build/index.js --version | grep "Schema Engine"

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
COPY --from=build /app/.next/standalone ./
USER node
EXPOSE 3000
CMD ["node", "server.js"]

FROM base AS worker
ENV NODE_ENV=production \
    WORKER_HOST=0.0.0.0 \
    WORKER_PORT=4000
# poppler's pdftotext reads PDFs 3-5x faster than the bundled pdf.js, which
# stays the fallback (docs/decisions/0023-pdftotext-first-pdfjs-as-fallback.md);
# its pdftoppm renders the pages OCR reads.
RUN apt-get update && \
    apt-get install -y --no-install-recommends poppler-utils && \
    rm -rf /var/lib/apt/lists/*
# The bundle, its source map (src/ only: cheap to load, tooling/slim-source-map.ts),
# the entry of its document-reading threads, the chunks they share or import
# on first use, and the packages they import rather than inline: OCR's
# (tesseract.js, its wasm core, the @tesseract.js-data models) and sharp with
# its native libvips, the build's linux ones (tooling/shipped-packages.ts).
COPY --from=build /app/dist/worker.mjs /app/dist/worker.mjs.map /app/dist/extract-thread.mjs /app/dist/extract-thread.mjs.map ./
COPY --from=build /app/dist/chunks ./chunks
COPY --from=build /app/dist/node_modules ./node_modules
USER node
EXPOSE 4000
CMD ["node", "--enable-source-maps", "worker.mjs"]

# libssl3 for the native engine, when the build could download it (see the
# install stage); the wasm fallback needs only Node.
FROM base AS migrate
ENV NODE_ENV=production \
    PRISMA_HIDE_UPDATE_MESSAGE=1 \
    CHECKPOINT_DISABLE=1
RUN apt-get update && \
    apt-get install -y --no-install-recommends libssl3 && \
    rm -rf /var/lib/apt/lists/*
COPY --from=migrate-deps /app/node_modules ./node_modules
COPY package.json prisma.config.ts ./
COPY prisma ./prisma
USER node
# prisma migrate deploy, then the worker's login (WORKER_DB_PASSWORD).
CMD ["node", "prisma/deploy.mjs"]
