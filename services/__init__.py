"""The four reverse-mentoring services: intake, matching, notifications, feedback."""
