#!/usr/bin/env bash
# Installs the chart-validation tools into <repo>/.cache/tools/ (idempotent, fast when cached):
#   bin/helm      built with `go install` at a pinned version
#   bin/promtool  from the Debian `prometheus` package (symlinked)
#   venv/         checkov, kubernetes-validate, hadolint (deploy/helm/tools-requirements.txt)
# Stamp files in .cache/tools/stamps/ record what is installed; delete one to force a reinstall.
set -euo pipefail

HELM_VERSION="${HELM_VERSION:-v3.22.0}"
# Kubernetes version helm assumes offline (.Capabilities.KubeVersion, lint deprecations). The official
# release sets it from its client-go (v0.37 -> 1.37) with these ldflags; plain `go install` would say 1.20.
HELM_K8S_MINOR="${HELM_K8S_MINOR:-37}"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TOOLS="${TOOLS:-$REPO_ROOT/.cache/tools}"
REQS="$REPO_ROOT/deploy/helm/tools-requirements.txt"
STAMPS="$TOOLS/stamps"
mkdir -p "$TOOLS/bin" "$STAMPS"

log() { printf '[install-tools] %s\n' "$*" >&2; }

install_helm() {
  local stamp="$STAMPS/helm-$HELM_VERSION-k8s1.$HELM_K8S_MINOR"
  if [[ -f "$stamp" && -x "$TOOLS/bin/helm" ]]; then return; fi
  command -v go >/dev/null || { log "go is required to build helm"; exit 1; }
  log "building helm $HELM_VERSION with go install (takes a few minutes the first time)"
  local ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
  local pkg
  for pkg in pkg/lint/rules pkg/chartutil; do
    ldflags+=" -X helm.sh/helm/v3/$pkg.k8sVersionMajor=1 -X helm.sh/helm/v3/$pkg.k8sVersionMinor=$HELM_K8S_MINOR"
  done
  GOBIN="$TOOLS/bin" CGO_ENABLED=0 go install -trimpath -ldflags "$ldflags" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
  "$TOOLS/bin/helm" version --short >/dev/null
  rm -f "$STAMPS"/helm-*
  touch "$stamp"
}

install_promtool() {
  if [[ -x "$TOOLS/bin/promtool" ]] && "$TOOLS/bin/promtool" --version >/dev/null 2>&1; then return; fi
  if ! command -v promtool >/dev/null; then
    log "installing promtool from the Debian prometheus package"
    export DEBIAN_FRONTEND=noninteractive
    # the package's postinst may try to start a daemon; there is no init system here, so tell it no
    if ! apt-get install -y --no-install-recommends prometheus >/dev/null; then
      apt-get update >/dev/null
      apt-get install -y --no-install-recommends prometheus >/dev/null
    fi
  fi
  ln -sf "$(command -v promtool)" "$TOOLS/bin/promtool"
  "$TOOLS/bin/promtool" --version >/dev/null 2>&1
}

install_venv() {
  local sum stamp
  sum="$(sha256sum "$REQS" | cut -c1-16)"
  stamp="$STAMPS/venv-$sum"
  if [[ -f "$stamp" && -x "$TOOLS/venv/bin/checkov" ]]; then return; fi
  log "creating tools venv with $(basename "$REQS")"
  local py="${TOOLS_PYTHON:-}"
  if [[ -z "$py" ]]; then
    for candidate in python3.11 python3; do
      if command -v "$candidate" >/dev/null; then py="$candidate"; break; fi
    done
  fi
  rm -rf "$TOOLS/venv"
  "$py" -m venv "$TOOLS/venv"
  "$TOOLS/venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
  "$TOOLS/venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQS"
  rm -f "$STAMPS"/venv-*
  touch "$stamp"
}

case "${1:-all}" in
  helm) install_helm ;;
  promtool) install_promtool ;;
  venv) install_venv ;;
  all) install_helm; install_promtool; install_venv ;;
  *) log "usage: $0 [all|helm|promtool|venv]"; exit 2 ;;
esac
