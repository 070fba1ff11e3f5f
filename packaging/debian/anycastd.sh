#!/bin/sh
# anycastd with the Node.js runtime the package carries, whatever node the machine has.
exec /usr/lib/anycastd/node/bin/node /usr/lib/anycastd/dist/main.js "$@"
