#!/usr/bin/env bash
# The release profile's test: signs with a throw-away GPG key and checks every file of the Maven Central bundle.
#
# Runs `mvn -Prelease -DskipTests verify` on a copy of the repository (so the build's own target/ directories are
# not touched), with an ephemeral GNUPGHOME holding a new key without passphrase, then checks that the bundle has,
# for the parent and BOM POMs and each published module's jar, sources, Javadoc and POM: the file, its .asc
# signature (verified with gpg), and its .md5 and .sha1 checksums (compared). Nothing is uploaded.
#
# Usage: release-bundle-check.sh [offline=true|offline=false]
# Environment (packaging-it's pom sets it): SLUICE_ROOT, SLUICE_VERSION, CHECK_DIR, MAVEN_HOME, MAVEN_REPO_LOCAL,
# JAVA_HOME. Skipped, visibly, when gpg is not installed.
set -euo pipefail

say() { printf '[release-check] %s\n' "$*"; }

if ! command -v gpg >/dev/null 2>&1; then
    say "SKIPPED: gpg is not installed (Debian: apt-get install gnupg); the release bundle is not checked"
    exit 0
fi

: "${SLUICE_ROOT:?}" "${SLUICE_VERSION:?}" "${CHECK_DIR:?}" "${MAVEN_HOME:?}" "${MAVEN_REPO_LOCAL:?}"
started=$SECONDS
rm -rf "$CHECK_DIR"
mkdir -p "$CHECK_DIR/tree"
tree="$(cd "$CHECK_DIR/tree" && pwd)"
bundle="$tree/target/central-bundle"

# a short path: gpg-agent's socket lives in GNUPGHOME, and socket paths are limited to ~100 characters
GNUPGHOME="$(mktemp -d "${TMPDIR:-/tmp}/sluice-gpg.XXXXXX")"
export GNUPGHOME
cleanup() {
    gpgconf --kill gpg-agent >/dev/null 2>&1 || true
    rm -rf "$GNUPGHOME"
}
trap cleanup EXIT

gpg --batch --quiet --passphrase '' --quick-gen-key 'Sluice release check <release-check@sluice.invalid>' \
    ed25519 sign 1d 2>/dev/null
say "throw-away key: $(gpg --list-secret-keys --with-colons | awk -F: '/^fpr/ {print $10; exit}')"

# the repository's sources without build output: every top-level module (the samples are not part of it)
(
    cd "$SLUICE_ROOT"
    modules=()
    for d in */; do
        if [ -f "$d/pom.xml" ] && [ "$d" != samples/ ]; then
            modules+=("${d%/}")
        fi
    done
    tar --exclude=target -cf - pom.xml "${modules[@]}"
) | tar -C "$tree" -xf -

maven_args=(-B -q -Prelease -DskipTests -Dmaven.repo.local="$MAVEN_REPO_LOCAL"
            -Dsluice.bundle.directory="$bundle" -pl '!examples,!bench,!packaging-it')
if [ "${1:-offline=false}" = offline=true ]; then
    maven_args+=(-o)
fi
say "mvn ${maven_args[*]} verify (in a copy of the repository)"
if ! (cd "$tree" && "$MAVEN_HOME/bin/mvn" "${maven_args[@]}" verify) >"$CHECK_DIR/mvn.log" 2>&1 </dev/null; then
    tail -n 60 "$CHECK_DIR/mvn.log"
    say "FAILED: the release profile's build failed (full log: $CHECK_DIR/mvn.log)"
    exit 1
fi

problems=0
problem() {
    say "MISSING OR WRONG: $*"
    problems=$((problems + 1))
}

check_file() { # <path of an artifact file in the bundle>
    local f=$1
    if [ ! -s "$f" ]; then
        problem "$f"
        return
    fi
    if [ ! -s "$f.asc" ]; then
        problem "$f.asc"
    elif ! gpg --batch --quiet --verify "$f.asc" "$f" 2>/dev/null; then
        problem "$f.asc does not verify"
    fi
    if [ ! -s "$f.md5" ] || [ "$(cat "$f.md5")" != "$(md5sum "$f" | cut -d' ' -f1)" ]; then
        problem "$f.md5"
    fi
    if [ ! -s "$f.sha1" ] || [ "$(cat "$f.sha1")" != "$(sha1sum "$f" | cut -d' ' -f1)" ]; then
        problem "$f.sha1"
    fi
}

v=$SLUICE_VERSION
files=0
for artifact in sluice-parent sluice-bom; do
    check_file "$bundle/io/sluice/$artifact/$v/$artifact-$v.pom"
    files=$((files + 1))
done
for entry in sluice-dsl:io.sluice.dsl sluice-runtime:io.sluice.runtime sluice-filters:io.sluice.filters \
             sluice-test-fixtures:io.sluice.testing sluice-web:io.sluice.web sluice-spring-tx:io.sluice.spring.tx \
             sluice-spring-boot:io.sluice.spring.boot.autoconfigure \
             sluice-spring-boot-starter:io.sluice.spring.boot.starter; do
    artifact=${entry%%:*}
    module_name=${entry#*:}
    dir="$bundle/io/sluice/$artifact/$v"
    for suffix in .jar -sources.jar -javadoc.jar .pom; do
        check_file "$dir/$artifact-$v$suffix"
        files=$((files + 1))
    done
    if [ -s "$dir/$artifact-$v.jar" ] && ! "$JAVA_HOME/bin/jar" --describe-module --file "$dir/$artifact-$v.jar" \
            2>/dev/null | grep -q "^$module_name@.* automatic"; then
        problem "$artifact-$v.jar: no Automatic-Module-Name $module_name"
    fi
    if [ -s "$dir/$artifact-$v-javadoc.jar" ] && ! "$JAVA_HOME/bin/jar" tf "$dir/$artifact-$v-javadoc.jar" 2>/dev/null \
            | grep -qx index.html; then
        problem "$artifact-$v-javadoc.jar has no index.html"
    fi
done
for element in name description url licenses scm developers; do
    if ! grep -q "<$element" "$bundle/io/sluice/sluice-parent/$v/sluice-parent-$v.pom" \
        || ! grep -q "<$element" "$bundle/io/sluice/sluice-bom/$v/sluice-bom-$v.pom"; then
        problem "<$element> in the parent or BOM POM"
    fi
done

if [ "$problems" -gt 0 ]; then
    say "FAILED: $problems problem(s) in $bundle"
    exit 1
fi
say "OK: $files artifact files in $bundle, each signed (verified) with .md5 and .sha1; $((SECONDS - started)) s"
