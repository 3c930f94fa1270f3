"""The service chassis every reverse-mentoring service imports: config, app factory, events, storage."""
