{{/*
Security settings shared by the templates: TLS (files from Secrets, named in the config file),
authorization, the probes of a TLS port. Paths are fixed so that the config file, the mounts and
docs/security.md agree.
*/}}

{{/* "true" when the client gRPC port (frontend or single-node pod) serves TLS. */}}
{{- define "kairos.frontendTls" -}}
{{- $t := .Values.tls.frontend }}
{{- if $t.enabled }}
{{- if not $t.secretName }}
{{- fail "tls.frontend.enabled needs tls.frontend.secretName: a Secret with tls.crt and tls.key (and ca.crt), e.g. one made by cert-manager" }}
{{- end }}true
{{- end }}
{{- end }}

{{/* "true" when the cluster's services talk mutual TLS to each other (cluster mode only). */}}
{{- define "kairos.internodeTls" -}}
{{- $t := .Values.tls.internode }}
{{- if $t.enabled }}
{{- if not (include "kairos.clusterMode" .) }}
{{- fail "tls.internode is for cluster mode (single-node mode runs every service in one process): set postgres.url or postgres.existingSecret, or turn tls.internode off" }}
{{- end }}
{{- if not $t.secretName }}
{{- fail "tls.internode.enabled needs tls.internode.secretName: a Secret with tls.crt, tls.key and ca.crt (one identity for every service), e.g. one made by cert-manager" }}
{{- end }}true
{{- end }}
{{- end }}

{{/* The name internal clients check in the internode certificate (a DNS SAN of it). */}}
{{- define "kairos.internodeServerName" -}}
{{- .Values.tls.internode.serverName | default (printf "%s-internode.%s.svc" (include "kairos.fullname" .) .Release.Namespace) }}
{{- end }}

{{/* Whether TLS on the frontend needs a client CA file, and where it comes from. */}}
{{- define "kairos.frontendClientCaFile" -}}
{{- if .Values.tls.frontend.clientCaSecretName }}/etc/kairos/tls/frontend-client-ca/ca.crt{{ else }}/etc/kairos/tls/frontend/ca.crt{{ end }}
{{- end }}

{{/* The config file's `tls` object as JSON ("" when no TLS is on). */}}
{{- define "kairos.tlsConfig" -}}
{{- $tls := dict "refreshInterval" .Values.tls.refreshInterval }}
{{- $on := false }}
{{- if include "kairos.frontendTls" . }}
{{- $on = true }}
{{- $server := dict "certFile" "/etc/kairos/tls/frontend/tls.crt" "keyFile" "/etc/kairos/tls/frontend/tls.key" "requireClientAuth" .Values.tls.frontend.requireClientAuth }}
{{- if .Values.tls.frontend.requireClientAuth }}
{{- $_ := set $server "clientCaFiles" (list (include "kairos.frontendClientCaFile" .)) }}
{{- end }}
{{- $_ := set $tls "frontend" (dict "server" $server) }}
{{- end }}
{{- if include "kairos.internodeTls" . }}
{{- $on = true }}
{{- $ca := "/etc/kairos/tls/internode/ca.crt" }}
{{- $_ := set $tls "internode" (dict
      "server" (dict "certFile" "/etc/kairos/tls/internode/tls.crt" "keyFile" "/etc/kairos/tls/internode/tls.key" "clientCaFiles" (list $ca) "requireClientAuth" true)
      "client" (dict "serverName" (include "kairos.internodeServerName" .) "rootCaFiles" (list $ca))) }}
{{- end }}
{{- if $on }}{{ $tls | toJson }}{{ end }}
{{- end }}

{{/* The config file's `authorization` object as JSON ("" when off). */}}
{{- define "kairos.authorizationConfig" -}}
{{- $a := .Values.authorization }}
{{- if $a.enabled }}
{{- $uris := list }}
{{- range $a.jwksUrls }}{{ $uris = append $uris . }}{{ end }}
{{- if $a.jwksSecretName }}{{ $uris = append $uris "file:///etc/kairos/auth/jwks.json" }}{{ end }}
{{- if not (or $uris $a.apiKeys $a.tlsSubjectPermissions) }}
{{- fail "authorization.enabled needs a way to authenticate callers: authorization.jwksUrls, authorization.jwksSecretName, authorization.apiKeys or authorization.tlsSubjectPermissions" }}
{{- end }}
{{- if and $a.tlsSubjectPermissions (not (and (include "kairos.frontendTls" .) .Values.tls.frontend.requireClientAuth)) }}
{{- fail "authorization.tlsSubjectPermissions maps client certificates: it needs tls.frontend.enabled and tls.frontend.requireClientAuth" }}
{{- end }}
{{- $config := dict "authorizer" "default" "claimMapper" "default" "permissionsClaimName" $a.permissionsClaimName "apiKeys" $a.apiKeys }}
{{- if $uris }}
{{- $_ := set $config "jwtKeyProvider" (dict "keySourceURIs" $uris "refreshInterval" $a.refreshInterval) }}
{{- end }}
{{- with $a.audience }}{{ $_ := set $config "audience" . }}{{ end }}
{{- with $a.permissionsRegex }}{{ $_ := set $config "permissionsRegex" . }}{{ end }}
{{- with $a.tlsSubjectPermissions }}{{ $_ := set $config "tlsSubjectPermissions" . }}{{ end }}
{{- $config | toJson }}
{{- end }}
{{- end }}

{{/*
The Secret files a Kairos pod needs, as projected-volume sources under /etc/kairos (YAML list, ""
when none): (dict "root" $ "component" "frontend"|"history"|"matching"|"server"). Each pod gets
only its own: the frontend key and the JWKS file go to the client-facing pods, the internode
identity and the PostgreSQL CA to the cluster's pods.
*/}}
{{- define "kairos.secretSources" -}}
{{- $root := .root }}
{{- $v := $root.Values }}
{{- $clientFacing := has .component (list "frontend" "server") }}
{{- if and $clientFacing (include "kairos.frontendTls" $root) }}
{{- $ownCa := and $v.tls.frontend.requireClientAuth (not $v.tls.frontend.clientCaSecretName) }}
- secret:
    name: {{ $v.tls.frontend.secretName }}
    items:
      - { key: tls.crt, path: tls/frontend/tls.crt }
      - { key: tls.key, path: tls/frontend/tls.key }
      {{- if $ownCa }}
      - { key: ca.crt, path: tls/frontend/ca.crt }
      {{- end }}
{{- if and $v.tls.frontend.requireClientAuth $v.tls.frontend.clientCaSecretName }}
- secret:
    name: {{ $v.tls.frontend.clientCaSecretName }}
    items:
      - { key: ca.crt, path: tls/frontend-client-ca/ca.crt }
{{- end }}
{{- end }}
{{- if and $clientFacing $v.authorization.enabled $v.authorization.jwksSecretName }}
- secret:
    name: {{ $v.authorization.jwksSecretName }}
    items:
      - { key: {{ $v.authorization.jwksSecretKey | quote }}, path: auth/jwks.json }
{{- end }}
{{- if ne .component "server" }}
{{- if include "kairos.internodeTls" $root }}
- secret:
    name: {{ $v.tls.internode.secretName }}
    items:
      - { key: tls.crt, path: tls/internode/tls.crt }
      - { key: tls.key, path: tls/internode/tls.key }
      - { key: ca.crt, path: tls/internode/ca.crt }
{{- end }}
{{- include "kairos.postgresCaSource" $root }}
{{- include "kairos.natsSources" . }}
{{- end }}
{{- end }}

{{/*
NATS's files for one cluster service, as projected-volume sources: the CA it checks NATS with, the
client certificate for NATS's mTLS, and the service's own nkey seed (the Secret's key named after
the service, always at the same path so the shared config file names it once).
*/}}
{{- define "kairos.natsSources" -}}
{{- $root := .root }}
{{- $n := $root.Values.nats }}
{{- if include "kairos.clusterMode" $root }}
{{- if $n.tls.caSecretName }}
- secret:
    name: {{ $n.tls.caSecretName }}
    items:
      - { key: ca.crt, path: nats/ca.crt }
{{- end }}
{{- if $n.tls.clientSecretName }}
- secret:
    name: {{ $n.tls.clientSecretName }}
    items:
      - { key: tls.crt, path: nats/tls.crt }
      - { key: tls.key, path: nats/tls.key }
{{- end }}
{{- if $n.nkeySecretName }}
- secret:
    name: {{ $n.nkeySecretName }}
    items:
      - { key: {{ .component }}, path: nats/nkey.seed }
{{- end }}
{{- end }}
{{- end }}

{{/* The config file's `nats` object as JSON ("" when NATS needs no TLS or file credentials). */}}
{{- define "kairos.natsConfig" -}}
{{- $n := .Values.nats }}
{{- if and $n.urlSecretName $n.nkeySecretName }}
{{- fail "nats.urlSecretName and nats.nkeySecretName are two ways to give each service its NATS credentials: set one" }}
{{- end }}
{{- if and $n.tls.clientSecretName (not $n.tls.caSecretName) }}
{{- fail "nats.tls.clientSecretName (mTLS to NATS) needs nats.tls.caSecretName, the CA NATS's certificate is checked with" }}
{{- end }}
{{- $config := dict }}
{{- if $n.tls.caSecretName }}
{{- $tls := dict "caFile" "/etc/kairos/nats/ca.crt" }}
{{- if $n.tls.clientSecretName }}
{{- $_ := set $tls "certFile" "/etc/kairos/nats/tls.crt" }}
{{- $_ := set $tls "keyFile" "/etc/kairos/nats/tls.key" }}
{{- end }}
{{- $_ := set $config "tls" $tls }}
{{- end }}
{{- if $n.nkeySecretName }}
{{- $_ := set $config "nkeySeedFile" "/etc/kairos/nats/nkey.seed" }}
{{- end }}
{{- if $config }}{{ $config | toJson }}{{ end }}
{{- end }}

{{/* $KAIROS_NATS_URL of one cluster service from nats.urlSecretName (its user and password in the URL). */}}
{{- define "kairos.natsEnv" -}}
{{- if .root.Values.nats.urlSecretName }}
- name: KAIROS_NATS_URL
  valueFrom:
    secretKeyRef:
      name: {{ .root.Values.nats.urlSecretName }}
      key: {{ .component }}
{{- end }}
{{- end }}

{{/* The PostgreSQL CA as a projected-volume source (cluster mode, postgres.tls.caSecretName). */}}
{{- define "kairos.postgresCaSource" -}}
{{- $pg := .Values.postgres }}
{{- if and (include "kairos.clusterMode" .) $pg.tls.caSecretName }}
{{- if and $pg.url (not (contains "sslrootcert=/etc/kairos/tls/postgres/ca.crt" $pg.url)) }}
{{- fail "postgres.tls.caSecretName: postgres.url must verify the server with it: add ?sslmode=verify-full&sslrootcert=/etc/kairos/tls/postgres/ca.crt" }}
{{- end }}
- secret:
    name: {{ $pg.tls.caSecretName }}
    items:
      - { key: {{ $pg.tls.caSecretKey | quote }}, path: tls/postgres/ca.crt }
{{- end }}
{{- end }}

{{/*
The "config" volume mounted at /etc/kairos: the ConfigMap alone, or projected with the pod's
Secret files (one read-only tree, no mount inside another): (dict "root" $ "component" …).
*/}}
{{- define "kairos.configVolume" -}}
{{- $sources := include "kairos.secretSources" . | trim }}
- name: config
  {{- if $sources }}
  projected:
    sources:
      - configMap:
          name: {{ include "kairos.fullname" .root }}-config
      {{- $sources | nindent 6 }}
  {{- else }}
  configMap:
    name: {{ include "kairos.fullname" .root }}-config
  {{- end }}
{{- end }}

{{/*
Startup, readiness and liveness probes of a Kairos container: (dict "root" $ "port" 7234 "tls" bool
"service" "<grpc health service name>"|""). Plaintext: grpc.health.v1 on the port. TLS: the kubelet's
gRPC probe cannot speak TLS, so readiness is GET /health/ready on the metrics port (200 when ready,
503 otherwise) and startup and liveness a TCP connect to the gRPC port (a process that is up but
not ready, e.g. history between shard owners, is not restarted).
*/}}
{{- define "kairos.probes" -}}
{{- $p := .root.Values.probes }}
{{- if .tls }}
startupProbe:
  tcpSocket:
    port: grpc
  {{- toYaml $p.startup | nindent 2 }}
readinessProbe:
  httpGet:
    path: /health/ready
    port: metrics
  {{- toYaml $p.readiness | nindent 2 }}
livenessProbe:
  tcpSocket:
    port: grpc
  {{- toYaml $p.liveness | nindent 2 }}
{{- else }}
startupProbe:
  grpc:
    port: {{ .port }}
  {{- toYaml $p.startup | nindent 2 }}
readinessProbe:
  grpc:
    port: {{ .port }}
    {{- with .service }}
    service: {{ . }}
    {{- end }}
  {{- toYaml $p.readiness | nindent 2 }}
livenessProbe:
  grpc:
    port: {{ .port }}
  {{- toYaml $p.liveness | nindent 2 }}
{{- end }}
{{- end }}

{{/* A NetworkPolicy peer: this release's pods of the given components (the policy's namespace). */}}
{{- define "kairos.ownPodsPeer" -}}
- podSelector:
    matchLabels:
      app.kubernetes.io/name: {{ include "kairos.name" .root }}
      app.kubernetes.io/instance: {{ .root.Release.Name }}
    matchExpressions:
      - key: app.kubernetes.io/component
        operator: In
        values: {{ .components | toJson }}
{{- end }}

{{/* The port given by "--http-port N" or "--http-port=N" in a list of extra args ("" if none). */}}
{{- define "kairos.httpPortArg" -}}
{{- $next := false }}
{{- range . }}
{{- if $next }}{{ . }}{{ $next = false }}
{{- else if eq . "--http-port" }}{{ $next = true }}
{{- else if hasPrefix "--http-port=" . }}{{ trimPrefix "--http-port=" . }}
{{- end }}
{{- end }}
{{- end }}
