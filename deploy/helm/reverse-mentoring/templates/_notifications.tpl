{{- /*
Notifications' delivery settings (.Values.services.notifications.delivery) as the environment its code
reads (services/notifications/config.py, domain/webhooks/policy.py), the SMTP CA volume, and nothing for
any other service. Called from components.yaml with (dict "root" $ "name" $name).
*/ -}}
{{- define "rm.notificationsEnv" -}}
{{- if eq .name "notifications" }}
{{- $d := .root.Values.services.notifications.delivery }}
{{- with $d.publicBaseUrl }}
- name: PUBLIC_BASE_URL
  value: {{ . | quote }}
{{- end }}
- name: DELIVERY_RETRY_DELAYS_S
  value: {{ join "," $d.retryDelaysSeconds | quote }}
- name: CHAT_TIMEOUT_S
  value: {{ $d.chatTimeoutSeconds | quote }}
{{- with $d.smtp }}
{{- if .host }}
- name: SMTP_HOST
  value: {{ .host | quote }}
{{- end }}
- name: SMTP_PORT
  value: {{ .port | quote }}
- name: SMTP_TLS
  value: {{ .tls | quote }}
- name: SMTP_TIMEOUT_S
  value: {{ .timeoutSeconds | quote }}
{{- with .from }}
- name: SMTP_FROM
  value: {{ . | quote }}
{{- end }}
{{- if .caSecret }}
- name: SMTP_CA_FILE
  value: /etc/reverse-mentoring/smtp-ca/{{ .caKey }}
{{- end }}
{{- if .existingSecret }}
- name: SMTP_USERNAME
  valueFrom:
    secretKeyRef:
      name: {{ .existingSecret }}
      key: {{ .usernameKey }}
- name: SMTP_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .existingSecret }}
      key: {{ .passwordKey }}
{{- end }}
{{- end }}
{{- with $d.unsubscribe }}
{{- if .existingSecret }}
- name: UNSUBSCRIBE_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ .existingSecret }}
      key: {{ .key }}
{{- end }}
- name: UNSUBSCRIBE_TTL_S
  value: {{ .ttlSeconds | int64 | quote }}
{{- end }}
{{- with $d.webhooks }}
- name: WEBHOOK_RETRY_SCHEDULE
  value: {{ join "," .retryScheduleSeconds | quote }}
- name: WEBHOOK_TIMEOUT_S
  value: {{ .timeoutSeconds | quote }}
- name: WEBHOOK_DISABLE_AFTER_S
  value: {{ .disableAfterSeconds | int64 | quote }}
- name: WEBHOOK_SECRET_OVERLAP_S
  value: {{ .secretOverlapSeconds | int64 | quote }}
- name: WEBHOOK_ALLOWED_HOSTS
  value: {{ join "," .allowedHosts | quote }}
{{- end }}
{{- end }}
{{- end }}

{{- define "rm.notificationsVolumeMounts" -}}
{{- if and (eq .name "notifications") .root.Values.services.notifications.delivery.smtp.caSecret }}
- name: smtp-ca
  mountPath: /etc/reverse-mentoring/smtp-ca
  readOnly: true
{{- end }}
{{- end }}

{{- define "rm.notificationsVolumes" -}}
{{- with .root.Values.services.notifications.delivery.smtp }}
{{- if and (eq $.name "notifications") .caSecret }}
- name: smtp-ca
  secret:
    secretName: {{ .caSecret }}
    items:
      - key: {{ .caKey }}
        path: {{ .caKey }}
{{- end }}
{{- end }}
{{- end }}
