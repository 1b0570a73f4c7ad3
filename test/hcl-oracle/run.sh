#!/bin/sh
# Differential check of src/hcl/parse.ts against Terraform's own parser (hashicorp/hcl v2's
# hclsyntax), not part of `npm test`: it needs Go and the HCL package from Debian.
#   apt-get install -y golang-go golang-github-hashicorp-hcl-v2-dev
#   test/hcl-oracle/run.sh [seed] [count]
# Builds main.go (prints hclsyntax's parse in the shape of src/hcl/types.ts), bundles diff.ts,
# and compares both parsers on mutated and generated Terraform: accept/refuse, kinds, values,
# offsets, template parts, references. Prints each disagreement; exits 1 if there is one.
set -e
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp -d)
GO111MODULE=off GOPATH=/usr/share/gocode go build -o "$out/oracle" "$here/main.go"
npx esbuild "$here/diff.ts" --bundle --platform=node --format=esm --outfile="$out/diff.mjs" --log-level=warning
HCL_ORACLE_DIR="$here" HCL_ORACLE="$out/oracle" node "$out/diff.mjs" "${1:-1}" "${2:-3000}"
