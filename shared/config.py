"""Service configuration: read once from the environment into a frozen, validated object (12-factor)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

SERVICES = ("intake", "matching", "notifications", "feedback")
KAFKA_SECURITY_PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
AUTH_MODES = ("jwks", "dev")


class ConfigError(ValueError):
    """Raised at start-up when the environment is incomplete or wrong; lists every problem at once."""


@dataclass
class EnvReader:
    """Reads typed values from an environment and collects every malformed one, so a process refuses to
    start with one message naming them all (used by ``Settings`` and by each service's own settings)."""

    env: Mapping[str, str]
    problems: list[str] = field(default_factory=list)

    def text(self, name: str, default: str | None = None) -> str | None:
        value = self.env.get(name)
        return value.strip() if value is not None and value.strip() != "" else default

    def number(self, name: str, default: float, kind: type = float, minimum: float = 0) -> float:
        """A number (``kind`` int or float) of at least ``minimum``; the default when unset."""
        raw = self.text(name)
        if raw is None:
            return default
        try:
            value = kind(raw)
        except ValueError:
            self.problems.append(f"{name} must be {'an integer' if kind is int else 'a number'}, got {raw!r}")
            return default
        if value < minimum:
            self.problems.append(f"{name} must be ≥ {minimum}, got {value}")
        return value

    def numbers(self, name: str, default: tuple[float, ...], example: str) -> tuple[float, ...]:
        """Comma-separated numbers ≥ 0 (e.g. a retry schedule in seconds); the default when unset."""
        raw = self.text(name)
        if raw is None:
            return default
        try:
            values = tuple(float(part) for part in raw.split(",") if part.strip())
        except ValueError:
            values = ()
        if not values or min(values) < 0:
            self.problems.append(f"{name} must be comma-separated seconds ≥ 0, e.g. {example}, got {raw!r}")
            return default
        return values

    def fail_if_any(self, error: type[Exception], what: str) -> None:
        if self.problems:
            raise error(f"{what}: " + "; ".join(self.problems))


@dataclass(frozen=True)
class Settings:
    """Everything a service process needs to know about its surroundings."""

    service_name: str
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    kafka_security_protocol: str = "PLAINTEXT"
    kafka_sasl_mechanism: str | None = None
    kafka_sasl_username: str | None = None
    kafka_sasl_password: str | None = field(default=None, repr=False)
    kafka_ssl_cafile: str | None = None
    mongodb_uri: str = field(default="mongodb://127.0.0.1:27017/", repr=False)
    mongodb_database: str = ""
    topic_prefix: str = ""
    auth_mode: str = "jwks"
    jwt_issuer: str = "reverse-mentoring"
    jwt_audience: str = "reverse-mentoring-api"
    jwt_jwks_file: str | None = None
    jwt_jwks_url: str | None = None
    jwt_algorithms: tuple[str, ...] = ("RS256",)
    dev_keys_dir: str = ".run/dev-keys"
    port: int = 8000
    metrics_port: int = 9100
    web_concurrency: int = 2
    max_content_length: int = 1024 * 1024
    log_level: str = "INFO"
    consumer_max_attempts: int = 4
    consumer_retry_backoff_s: float = 0.2
    relay_interval_s: float = 0.2
    retention_days: int = 365  # closed programs' personal data is purged this long after closing
    # Workers open sealed personal fields with keys intake keeps (shared.sealing): where to ask, and the
    # token to show when AUTH_MODE is not dev (a dev token is minted locally).
    intake_url: str = "http://127.0.0.1:8001"
    service_token_file: str | None = None

    def topic(self, name: str) -> str:
        """The physical topic name for a logical one (the prefix isolates tests and tenants)."""
        return f"{self.topic_prefix}{name}"

    def with_overrides(self, **changes: object) -> Settings:
        return replace(self, **changes)

    @property
    def kafka_client_options(self) -> dict[str, object]:
        """Connection options shared by kafka-python producers, consumers and admin clients."""
        options: dict[str, object] = {
            "bootstrap_servers": [s.strip() for s in self.kafka_bootstrap_servers.split(",") if s.strip()],
            "security_protocol": self.kafka_security_protocol,
        }
        if self.kafka_sasl_mechanism:
            options.update(
                sasl_mechanism=self.kafka_sasl_mechanism,
                sasl_plain_username=self.kafka_sasl_username,
                sasl_plain_password=self.kafka_sasl_password,
            )
        if self.kafka_ssl_cafile:
            options["ssl_cafile"] = self.kafka_ssl_cafile
        return options

    @classmethod
    def from_env(cls, service_name: str, env: Mapping[str, str] | None = None) -> Settings:
        """Build settings from environment variables, failing with one message that names every bad one."""
        env = os.environ if env is None else env
        reader = EnvReader(env)
        problems, text = reader.problems, reader.text

        def integer(name: str, default: int, minimum: int = 0) -> int:
            return int(reader.number(name, default, int, minimum))

        if service_name not in SERVICES:
            problems.append(f"SERVICE_NAME must be one of {', '.join(SERVICES)}, got {service_name!r}")
        protocol = (text("KAFKA_SECURITY_PROTOCOL", "PLAINTEXT") or "").upper()
        if protocol not in KAFKA_SECURITY_PROTOCOLS:
            problems.append(f"KAFKA_SECURITY_PROTOCOL must be one of {', '.join(KAFKA_SECURITY_PROTOCOLS)}")
        bootstrap = text("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092") or ""
        if not all(":" in part for part in bootstrap.split(",")):
            problems.append(f"KAFKA_BOOTSTRAP_SERVERS must be host:port[,host:port], got {bootstrap!r}")
        mongodb_uri = text("MONGODB_URI", "mongodb://127.0.0.1:27017/") or ""
        if not mongodb_uri.startswith(("mongodb://", "mongodb+srv://")):
            problems.append("MONGODB_URI must start with mongodb:// or mongodb+srv://")
        auth_mode = (text("AUTH_MODE", "jwks") or "").lower()
        if auth_mode not in AUTH_MODES:
            problems.append(f"AUTH_MODE must be one of {', '.join(AUTH_MODES)}")
        jwks_file, jwks_url = text("JWT_JWKS_FILE"), text("JWT_JWKS_URL")
        if auth_mode == "jwks" and not (jwks_file or jwks_url):
            problems.append("JWT_JWKS_FILE or JWT_JWKS_URL is required (or AUTH_MODE=dev for local use)")
        sasl_mechanism = text("KAFKA_SASL_MECHANISM")
        if protocol.startswith("SASL") and not sasl_mechanism:
            problems.append("KAFKA_SASL_MECHANISM is required with a SASL security protocol")
        log_level = (text("LOG_LEVEL", "INFO") or "INFO").upper()
        if log_level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            problems.append("LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR")
        settings = cls(
            service_name=service_name,
            kafka_bootstrap_servers=bootstrap,
            kafka_security_protocol=protocol,
            kafka_sasl_mechanism=sasl_mechanism,
            kafka_sasl_username=text("KAFKA_SASL_USERNAME"),
            kafka_sasl_password=text("KAFKA_SASL_PASSWORD"),
            kafka_ssl_cafile=text("KAFKA_SSL_CAFILE"),
            mongodb_uri=mongodb_uri,
            mongodb_database=text("MONGODB_DATABASE", f"mentoring_{service_name}") or "",
            topic_prefix=text("TOPIC_PREFIX", "") or "",
            auth_mode=auth_mode,
            jwt_issuer=text("JWT_ISSUER", "reverse-mentoring") or "",
            jwt_audience=text("JWT_AUDIENCE", "reverse-mentoring-api") or "",
            jwt_jwks_file=jwks_file,
            jwt_jwks_url=jwks_url,
            dev_keys_dir=text("DEV_KEYS_DIR", ".run/dev-keys") or ".run/dev-keys",
            port=integer("PORT", 8000, 1),
            metrics_port=integer("METRICS_PORT", 9100, 1),
            web_concurrency=integer("WEB_CONCURRENCY", 2, 1),
            max_content_length=integer("MAX_CONTENT_LENGTH", 1024 * 1024, 1024),
            log_level=log_level,
            consumer_max_attempts=integer("CONSUMER_MAX_ATTEMPTS", 4, 1),
            retention_days=integer("RETENTION_DAYS", 365, 0),
            intake_url=text("INTAKE_URL", "http://127.0.0.1:8001") or "http://127.0.0.1:8001",
            service_token_file=text("SERVICE_TOKEN_FILE"),
        )
        if problems:
            raise ConfigError(f"invalid configuration for {service_name}: " + "; ".join(problems))
        return settings
