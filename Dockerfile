# syntax=docker/dockerfile:1
#
# docker build -t peppol-ap .                                              (downloads the pinned artifacts)
# docker build -t peppol-ap --build-context artifacts=../shared/artifacts .  (copies them from a folder)
# docker run -p 8080:8080 -e DATABASE_URL=postgres://ap:secret@db:5432/ap peppol-ap

# Replaced by `--build-context artifacts=<folder>`; left empty, the artifacts step downloads.
FROM scratch AS artifacts

FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json knexfile.ts ./
COPY src ./src
COPY ubl-schemas/manifest.json ubl-schemas/README.md ./ubl-schemas/
COPY schematron/manifest.json schematron/README.md ./schematron/
RUN npm run build
COPY --from=artifacts / /artifacts/
RUN if [ -n "$(ls -A /artifacts)" ]; then export ARTIFACTS_SOURCE=/artifacts; fi \
 && node dist/src/cli/main.js artifacts

FROM node:20-slim
ENV NODE_ENV=production PORT=8080
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY --from=build /app/ubl-schemas ./ubl-schemas
COPY --from=build /app/schematron ./schematron
COPY certs ./certs
# Data folder of the embedded Postgres (used only when DATABASE_URL is unset).
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/src/cli/main.js", "serve"]
