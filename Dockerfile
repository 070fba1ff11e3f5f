# anycastd as a container image, for compose.yaml. Built from this checkout:
# the TypeScript build happens in the first stage, the second has only what runs.
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/bundle.mjs scripts/
COPY src src
RUN npm run build

FROM node:20-bookworm-slim AS runtime
# kmod: modprobe ip_vs when the module is not loaded yet; iproute2: the VIP interface.
RUN apt-get update \
 && apt-get install -y --no-install-recommends kmod iproute2 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/anycastd
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts
COPY proto proto
COPY --from=build /src/dist dist
ENTRYPOINT ["node", "/opt/anycastd/dist/main.js"]

# The demo profile's directors (compose.yaml): anycastd with gobgpd beside it in one
# container (spawn mode), and ipvsadm to look at the table.
FROM runtime AS demo-director
RUN apt-get update \
 && apt-get install -y --no-install-recommends gobgpd ipvsadm \
 && rm -rf /var/lib/apt/lists/*

# The demo profile's router: BIRD with ECMP.
FROM debian:12-slim AS demo-router
RUN apt-get update \
 && apt-get install -y --no-install-recommends bird2 iproute2 \
 && rm -rf /var/lib/apt/lists/*
ENTRYPOINT ["bird", "-f", "-c", "/etc/bird/bird.conf"]

# Built last, so that a plain `docker build .` gives the anycastd image.
FROM runtime
