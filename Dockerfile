# anycastd as a container image, for compose.yaml. Built from this checkout:
# the TypeScript build happens in the first stage, the second has only what runs.
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src src
RUN npx tsc -p tsconfig.build.json

FROM node:20-bookworm-slim
# kmod: modprobe ip_vs when the module is not loaded yet.
RUN apt-get update \
 && apt-get install -y --no-install-recommends kmod \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/anycastd
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts
COPY proto proto
COPY --from=build /src/dist dist
ENTRYPOINT ["node", "/opt/anycastd/dist/main.js"]
