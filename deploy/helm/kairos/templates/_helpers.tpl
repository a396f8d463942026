{{/* The three Kairos services the chart runs, each with its Deployment, Service and PDB. */}}
{{- define "kairos.services" -}}
{{- list "frontend" "history" "matching" | toJson -}}
{{- end }}

{{- define "kairos.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 45 | trimSuffix "-" }}
{{- end }}

{{/*
The release's full name, at most 45 characters so that "<fullname>-history-headless" stays a
valid DNS label (63).
*/}}
{{- define "kairos.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 45 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 45 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 45 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "kairos.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object. */}}
{{- define "kairos.labels" -}}
helm.sh/chart: {{ include "kairos.chart" . }}
app.kubernetes.io/name: {{ include "kairos.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ include "kairos.imageTag" . | trunc 63 | trimSuffix "-" | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: kairos
{{- end }}

{{/* Selector labels of one service: (dict "root" $ "component" "history"). */}}
{{- define "kairos.selectorLabels" -}}
app.kubernetes.io/name: {{ include "kairos.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* Name of a service's objects: (dict "root" $ "component" "history") -> <fullname>-history. */}}
{{- define "kairos.componentName" -}}
{{- printf "%s-%s" (include "kairos.fullname" .root) .component }}
{{- end }}

{{/* The address other pods dial to reach a service: its Service's DNS name and gRPC port. */}}
{{- define "kairos.serviceAddress" -}}
{{- $values := index .root.Values .component }}
{{- printf "%s.%s.svc.%s:%d" (include "kairos.componentName" .) .root.Release.Namespace .root.Values.clusterDomain (int $values.port) }}
{{- end }}

{{- define "kairos.imageTag" -}}
{{- .Values.image.tag | default .Chart.AppVersion | toString }}
{{- end }}

{{- define "kairos.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (include "kairos.imageTag" .) }}
{{- end }}
{{- end }}

{{- define "kairos.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "kairos.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
The mode, chosen by the store: "true" (cluster mode: frontend, history and matching Deployments on
PostgreSQL) when postgres.url or postgres.existingSecret is set, "" (single-node mode: one pod on
SQLite) otherwise.
*/}}
{{- define "kairos.clusterMode" -}}
{{- if or .Values.postgres.url .Values.postgres.existingSecret }}true{{ end }}
{{- end }}

{{/* "true" when the Web UI runs: ui.enabled, or when it is null, single-node mode. */}}
{{- define "kairos.uiEnabled" -}}
{{- if kindIs "invalid" .Values.ui.enabled }}
{{- if not (include "kairos.clusterMode" .) }}true{{ end }}
{{- else if .Values.ui.enabled }}true{{ end }}
{{- end }}

{{/* The single-node Deployment's and Service's selector labels. */}}
{{- define "kairos.singleNodeSelectorLabels" -}}
{{- include "kairos.selectorLabels" (dict "root" . "component" "server") }}
{{- end }}

{{/* The PersistentVolumeClaim holding the SQLite file: the user's, or the one the chart makes. */}}
{{- define "kairos.dataClaimName" -}}
{{- .Values.singleNode.persistence.existingClaim | default (printf "%s-data" (include "kairos.fullname" .)) }}
{{- end }}

{{/*
Where clients and the Web UI reach the gRPC API: the frontend Service (cluster mode) or the
single-node Service.
*/}}
{{- define "kairos.frontendAddress" -}}
{{- if include "kairos.clusterMode" . }}
{{- include "kairos.serviceAddress" (dict "root" . "component" "frontend") }}
{{- else }}
{{- printf "%s.%s.svc.%s:%d" (include "kairos.fullname" .) .Release.Namespace .Values.clusterDomain (int .Values.singleNode.port) }}
{{- end }}
{{- end }}

{{/* The Service clients use, for port-forwarding: <fullname>-frontend or <fullname>. */}}
{{- define "kairos.frontendServiceName" -}}
{{- if include "kairos.clusterMode" . }}
{{- include "kairos.componentName" (dict "root" . "component" "frontend") }}
{{- else }}
{{- include "kairos.fullname" . }}
{{- end }}
{{- end }}

{{/* The components whose pods serve metrics (the ServiceMonitor selects their Services). */}}
{{- define "kairos.metricsComponents" -}}
{{- if include "kairos.clusterMode" . }}{{ include "kairos.services" . }}{{ else }}{{ list "server" | toJson }}{{ end }}
{{- end }}

{{/*
Cluster mode: the PostgreSQL URL lives in a Secret, the user's (postgres.existingSecret) or one
the chart makes from postgres.url; not both.
*/}}
{{- define "kairos.postgresSecretName" -}}
{{- $pg := .Values.postgres }}
{{- if and $pg.url $pg.existingSecret }}
{{- fail "postgres: set either postgres.url or postgres.existingSecret, not both" }}
{{- end }}
{{- $pg.existingSecret | default (printf "%s-postgres" (include "kairos.fullname" .)) }}
{{- end }}

{{- define "kairos.postgresSecretKey" -}}
{{- if .Values.postgres.existingSecret }}{{ .Values.postgres.existingSecretKey }}{{ else }}url{{ end }}
{{- end }}

{{/* The env var every Kairos container reads the store URL from (never in the ConfigMap). */}}
{{- define "kairos.postgresEnv" -}}
- name: KAIROS_POSTGRES_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "kairos.postgresSecretName" . }}
      key: {{ include "kairos.postgresSecretKey" . }}
{{- end }}

{{/* The Web UI's image: ui.image, by digest when one is given. */}}
{{- define "kairos.uiImage" -}}
{{- $image := .Values.ui.image }}
{{- if $image.digest }}
{{- printf "%s@%s" $image.repository $image.digest }}
{{- else }}
{{- printf "%s:%s" $image.repository (toString $image.tag) }}
{{- end }}
{{- end }}
