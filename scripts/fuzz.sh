#!/usr/bin/env bash
# Runs every cargo-fuzz target of fuzz/ for SECONDS each (default 60).
#
#   scripts/fuzz.sh [SECONDS]
#
# Installs cargo-fuzz first if `cargo +nightly fuzz` is missing. Each target keeps its
# corpus in fuzz/corpus/<target> (seeded from fuzz/seeds/<target> when that exists) and
# writes crashing inputs to fuzz/artifacts/<target>. Exits non-zero if any target fails.
# Works from any directory; runs one target at a time, on one core.
set -euo pipefail

seconds="${1:-60}"
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [[ "$seconds" -eq 0 ]]; then
    echo "usage: $0 [SECONDS]   (SECONDS: a positive whole number, default 60)" >&2
    exit 2
fi

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
fuzz_dir="$root/fuzz"
cd "$fuzz_dir"

if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    echo "==> installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi

targets=(context_headers routing json_input http_trigger tablestore_cbor heads)

echo "==> building ${targets[*]}"
cargo +nightly fuzz build

failed=()
for target in "${targets[@]}"; do
    corpus="$fuzz_dir/corpus/$target"
    artifacts="$fuzz_dir/artifacts/$target"
    mkdir -p "$corpus" "$artifacts"
    dirs=("$corpus")
    if [[ -d "$fuzz_dir/seeds/$target" ]]; then
        dirs+=("$fuzz_dir/seeds/$target")
    fi
    # Artifacts from earlier runs are not this run's findings.
    before="$(find "$artifacts" -type f | sort)"

    echo "==> fuzzing $target for ${seconds}s"
    status=0
    cargo +nightly fuzz run "$target" "${dirs[@]}" -- \
        -max_total_time="$seconds" -print_final_stats=1 || status=$?

    after="$(find "$artifacts" -type f | sort)"
    new="$(comm -13 <(printf '%s\n' "$before") <(printf '%s\n' "$after") | sed '/^$/d')"
    if [[ $status -ne 0 || -n "$new" ]]; then
        echo "!!! $target failed (exit status $status)" >&2
        if [[ -n "$new" ]]; then
            while IFS= read -r file; do
                echo "!!!   artifact: $file" >&2
                echo "!!!   reproduce: cargo +nightly fuzz run $target $file   (in $fuzz_dir)" >&2
            done <<<"$new"
        fi
        failed+=("$target")
    fi
done

if [[ ${#failed[@]} -ne 0 ]]; then
    echo "==> FAILED: ${failed[*]}" >&2
    exit 1
fi
echo "==> all targets ran ${seconds}s without a crash"
