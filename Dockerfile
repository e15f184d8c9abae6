# ragline: one image for every role (RAGLINE_ROLE=api | worker | all).
#
#   docker build -t ragline .
#   docker run -e RAGLINE_ROLE=all -e REDIS_URL=redis://host:6379 -p 3000:3000 ragline
#
# Node 24, the newest LTS line (package.json's engines lists every line the tests run on).
# Build stage: full install (dev dependencies are needed to compile), then prune.
FROM node:24-bookworm-slim AS build
WORKDIR /app
# onnxruntime-node (an optional dependency of the transformers embedder) would otherwise
# download CUDA libraries in its postinstall; swagger-ui-dist's scarf postinstall is telemetry
# (package.json's scarfSettings turns it off too). No audit, funding or update checks.
ENV ONNXRUNTIME_NODE_INSTALL_CUDA=skip \
    SCARF_ANALYTICS=false \
    npm_config_audit=false \
    npm_config_fund=false \
    npm_config_update_notifier=false
COPY package.json package-lock.json ./
# Never --omit=optional: LanceDB's native binary (@lancedb/lancedb-linux-*) is an optional
# dependency, and the embedded store cannot load without it. package.json's `prepare` build
# skips itself here (no sources yet): the build runs below.
RUN npm ci
COPY tsconfig.json tsconfig.build.json tsconfig.client.json nest-cli.json ./
COPY src ./src
# Compile; make sure src/admin/static exists (the admin pages' static files, if any, are served
# from there: tsc copies no assets); then drop dev dependencies only: `npm prune --omit=dev`
# keeps optional ones, the native binaries among them.
RUN npm run build \
    && mkdir -p src/admin/static \
    && npm prune --omit=dev \
    && npm cache clean --force

# Runtime stage: compiled code and production dependencies, run as the unprivileged `node` user.
FROM node:24-bookworm-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    RAGLINE_ROLE=all \
    RAGLINE_DATA_DIR=/app/data
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/src/admin/static ./src/admin/static
COPY bin ./bin
COPY deploy/healthcheck.js ./deploy/healthcheck.js
# Code stays root-owned (read-only for the process); only the data directory is writable.
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["node", "deploy/healthcheck.js"]
CMD ["node", "dist/src/main.js"]
