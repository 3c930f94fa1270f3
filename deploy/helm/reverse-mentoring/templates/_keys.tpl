{{/*
Crypto-shredding (docs/contracts.md, Sealed personal fields): the matching, notifications and feedback
workers open participants' sealed events with data keys they ask intake's API for, showing a bearer token
of role `service` (auth.serviceToken, mounted as SERVICE_TOKEN_FILE; re-read at each use).
*/}}
{{- define "rm.keyClients" -}}
{{- $clients := list -}}
{{- if .Values.services.intake.enabled -}}
{{- range $name := list "matching" "notifications" "feedback" -}}
{{- if (index $.Values.services $name).enabled -}}
{{- $clients = append $clients $name -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- toJson $clients -}}
{{- end -}}

{{/* Whether a component asks intake for keys; call with (dict "root" $ "name" "matching" "role" "worker"). */}}
{{- define "rm.asksForKeys" -}}
{{- if and (eq .role "worker") (has .name (include "rm.keyClients" .root | fromJsonArray)) -}}true{{- end -}}
{{- end -}}

{{- define "rm.keysEnv" -}}
{{- if include "rm.asksForKeys" . }}
{{- $api := include "rm.roleValues" (dict "root" .root "svc" .root.Values.services.intake "role" "api") | fromYaml }}
- name: INTAKE_URL
  value: {{ printf "http://%s-intake-api:%v" (include "rm.fullname" .root) $api.service.port | quote }}
{{- with .root.Values.auth.serviceToken }}
{{- if .existingSecret }}
- name: SERVICE_TOKEN_FILE
  value: /etc/reverse-mentoring/service-token/{{ .key }}
{{- end }}
{{- end }}
{{- end }}
{{- end -}}

{{- define "rm.keysVolumeMounts" -}}
{{- if and (include "rm.asksForKeys" .) .root.Values.auth.serviceToken.existingSecret }}
- name: service-token
  mountPath: /etc/reverse-mentoring/service-token
  readOnly: true
{{- end }}
{{- end -}}

{{- define "rm.keysVolumes" -}}
{{- if and (include "rm.asksForKeys" .) .root.Values.auth.serviceToken.existingSecret }}
- name: service-token
  secret:
    secretName: {{ .root.Values.auth.serviceToken.existingSecret }}
    items:
      - key: {{ .root.Values.auth.serviceToken.key }}
        path: {{ .root.Values.auth.serviceToken.key }}
{{- end }}
{{- end -}}
