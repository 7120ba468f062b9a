#!/usr/bin/env bash
# The library packages as a user outside the monorepo gets them: `pnpm pack` each, install the
# tarballs with npm in a fresh folder, and run every TypeScript example of the README there (they
# are plain JavaScript modules). Fails on a missing file in a package, a workspace-only import or
# an example that no longer runs. Run after `pnpm build`; .ci/run runs it after the tests.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/tarballs" "$work/app"
for pkg in core kernels theory probing retrieval experiments; do
  (cd "$root/packages/$pkg" && pnpm pack --pack-destination "$work/tarballs" > /dev/null)
done
cd "$work/app"
echo '{ "name": "iclkr-pack-check", "private": true, "type": "module" }' > package.json
npm install --no-audit --no-fund --loglevel=error "$work"/tarballs/*.tgz > /dev/null
python3 - "$root/README.md" <<'PY'
import re, sys
blocks = re.findall(r"```ts\n(.*?)```", open(sys.argv[1]).read(), re.S)
for i, block in enumerate(blocks):
    open(f"example-{i}.mjs", "w").write(block)
print(f"{len(blocks)} README examples")
PY
for example in example-*.mjs; do
  if ! output=$(node "$example" 2>&1); then
    echo "pack check: $example of the README failed outside the monorepo:" >&2
    echo "$output" >&2
    exit 1
  fi
done
echo "pack check: the README's examples run from the packed packages"
