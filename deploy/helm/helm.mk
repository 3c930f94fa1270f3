# Chart and observability targets; included by the top-level Makefile (`include deploy/helm/helm.mk`).
# Tools live in $(TOOLS) (installed by deploy/helm/install-tools.sh, idempotent and fast when cached).
PY ?= .venv/bin/python
TOOLS ?= .cache/tools
HELM ?= $(TOOLS)/bin/helm
CHART ?= deploy/helm/reverse-mentoring
CHART_CI_VALUES ?= $(wildcard $(CHART)/ci/*-values.yaml)
HELM_RENDER_DIR ?= .cache/helm-rendered
HELM_NAMESPACE ?= mentoring

.PHONY: helm-tools helm-lint helm-template helm-docs test-deploy

helm-tools: ## install helm, promtool, checkov, kubernetes-validate, hadolint into $(TOOLS)
	TOOLS="$(abspath $(TOOLS))" bash deploy/helm/install-tools.sh

helm-lint: helm-tools ## helm lint --strict with every ci/*-values.yaml
	@set -e; for values in $(CHART_CI_VALUES); do \
	  echo "helm lint --strict -f $$values"; \
	  $(HELM) lint --strict --quiet $(CHART) -f $$values; \
	done

helm-template: helm-tools ## render the chart for every ci/*-values.yaml into $(HELM_RENDER_DIR)/
	@mkdir -p $(HELM_RENDER_DIR)
	@set -e; for values in $(CHART_CI_VALUES); do \
	  out=$(HELM_RENDER_DIR)/$$(basename $$values .yaml).yaml; \
	  $(HELM) template mentoring $(CHART) --namespace $(HELM_NAMESPACE) -f $$values > $$out; \
	  echo "rendered $$out"; \
	done

helm-docs: ## regenerate the values table of the chart README from the @param comments
	$(PY) deploy/helm/gen_values_table.py $(CHART)

test-deploy: helm-tools ## chart, alert rules, dashboard and Dockerfile checks (pytest tests/deploy)
	$(PY) -m pytest tests/deploy $(PYTEST_ARGS)

# --- the chart on a local Kubernetes control plane (deploy/local/k8s) --------------------------------
.PHONY: k8s-build k8s-up test-cluster

k8s-build: venv ## build etcd, kube-apiserver, -controller-manager, -scheduler, kubectl and kwok into .cache
	$(PY) -m deploy.local.k8s build

k8s-up: k8s-build ## run the local control plane until Ctrl-C (prints the KUBECONFIG to use)
	$(PY) -m deploy.local.k8s up

test-cluster: helm-tools k8s-build ## install, upgrade, roll back and uninstall the chart on the local control plane
	$(PY) -m pytest tests/deploy/test_chart_on_cluster.py tests/deploy/test_release_on_cluster.py $(PYTEST_ARGS)
