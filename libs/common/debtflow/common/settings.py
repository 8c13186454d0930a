"""Service settings from the environment: `DEBTFLOW_<SERVICE>_<NAME>`, falling back to `DEBTFLOW_<NAME>`."""

from __future__ import annotations

from functools import cached_property
from typing import Any, ClassVar, Literal

from pydantic import Field, SecretStr, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict

from debtflow.common.pii import DEVELOPMENT_PII_HMAC_KEY, DEVELOPMENT_PII_KEYS, FieldCipher, parse_keyring
from debtflow.common.tenants import TenantMap

#: The signing key every service accepts in development mode. Start-up refuses it in production.
DEVELOPMENT_AUTH_SECRET = "debtflow-development-signing-key-never-use-in-production"

#: Marks a setting that must be given per service (a shared value would be wrong, e.g. a database).
_PER_SERVICE = {"per_service": True}


class _SharedEnvSource(EnvSettingsSource):
    """`DEBTFLOW_<NAME>` values shared by all services; skips settings that only make sense per service."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        if extra.get("per_service"):
            return None, field_name, False
        return super().get_field_value(field, field_name)


class ServiceSettings(BaseSettings):
    """Settings common to every service. Each service subclasses it and sets `service_name`."""

    service_name: ClassVar[str] = ""
    #: The HTTP port the service listens on in embedded mode (`make run`); 8001-8006 for the six.
    default_port: ClassVar[int] = 0
    model_config = SettingsConfigDict(extra="ignore", validate_default=True)

    environment: Literal["development", "production"] = Field(
        "development", description="`production` refuses every built-in development key (signing, personal-data, lookup)."
    )
    database_url: str = Field(
        "",
        description="SQLAlchemy URL; `sqlite+aiosqlite:///path` or `postgresql+asyncpg://user@host/db`. "
        "Default: `sqlite+aiosqlite:///./var/<service>.db`.",
        json_schema_extra=_PER_SERVICE,
    )
    host: str = Field("127.0.0.1", description="Address the HTTP server binds to.")
    port: int = Field(0, description="HTTP port. Default: the service's port (8001-8006).", json_schema_extra=_PER_SERVICE)
    run_migrations_on_startup: bool = Field(True, description="Apply Alembic migrations when the service starts.")

    bus: Literal["kafka", "memory"] = Field(
        "kafka", description="Event bus backend; `memory` only makes sense inside one process (tests)."
    )
    kafka_bootstrap_servers: str = Field("127.0.0.1:9092", description="Kafka bootstrap servers, comma separated.")
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = Field(
        "PLAINTEXT", description="Kafka security protocol."
    )
    kafka_sasl_mechanism: str | None = Field(None, description="SASL mechanism, e.g. `SCRAM-SHA-512` or `PLAIN`.")
    kafka_sasl_username: str | None = Field(None, description="SASL user name.")
    kafka_sasl_password: SecretStr | None = Field(None, description="SASL password.")
    kafka_request_timeout_ms: int = Field(15000, gt=0, description="How long a publish may wait for `acks=all`.")
    kafka_session_timeout_ms: int = Field(10000, gt=0, description="Consumer group session timeout.")
    kafka_heartbeat_interval_ms: int = Field(1000, gt=0, description="Consumer group heartbeat interval.")
    kafka_rebalance_timeout_ms: int = Field(5000, gt=0, description="How long members get to rejoin a rebalance.")
    topic_prefix: str = Field("", description="Prefix for every topic name (to share one cluster between stacks).")
    topic_partitions: int = Field(4, ge=1, description="Partitions for topics debtflow creates.")
    consumer_group: str = Field(
        "", description="Kafka consumer group. Default: `debtflow.<service>`.", json_schema_extra=_PER_SERVICE
    )

    workers: int = Field(
        1, ge=1, le=32,
        description="HTTP worker processes (uvicorn `--workers`). Each runs the consumer as a member of the "
                    "service's group; one at a time relays (a PostgreSQL advisory lock, or a lock file beside "
                    "the SQLite database), so outbox order holds.")
    relay_batch_size: int = Field(500, ge=1, description="Outbox rows the relay publishes per round.")
    relay_poll_interval_seconds: float = Field(
        0.5, gt=0, description="How often the relay looks for new outbox rows when nobody wakes it."
    )
    relay_max_backoff_seconds: float = Field(30.0, gt=0, description="Longest wait between publish retries.")
    outbox_retention_hours: float = Field(
        168.0, ge=0, description="How long published outbox rows are kept for replay (default 7 days)."
    )
    inbox_retention_days: float = Field(
        14.0, gt=0, description="How long consumed event ids are kept to skip redeliveries; keep it longer than the "
        "broker keeps records (Kafka's default is 7 days), or a redelivered event would be applied twice.",
    )
    idempotency_retention_hours: float = Field(
        24.0, gt=0, description="How long an Idempotency-Key is remembered (services that accept the header)."
    )
    housekeeping_interval_seconds: float = Field(
        3600.0, gt=0, description="How often expired outbox rows, inbox ids and idempotency keys are purged.",
    )
    consumer_max_attempts: int = Field(
        5, ge=1, description="Attempts at handling one event before it goes to the dead-letter topic."
    )
    consumer_retry_backoff_seconds: float = Field(0.2, ge=0, description="First retry delay; doubles each attempt.")
    consumer_poll_max_records: int = Field(200, ge=1, description="Most records taken from the bus per poll.")
    consumer_stall_seconds: float = Field(
        30.0, gt=0, description="Readiness fails when the consumer has not polled successfully for this long.")
    broker_check_interval_seconds: float = Field(
        5.0, gt=0, description="How often a consumer asks the broker's cluster id, to notice a new, empty broker.")

    auth_secret: SecretStr = Field(
        SecretStr(DEVELOPMENT_AUTH_SECRET),
        description="HS256 key that signs and verifies bearer tokens; at least 32 bytes. "
        "The default is the development key.",
    )
    auth_issuer: str = Field("debtflow", description="Expected `iss` claim of bearer tokens.")
    auth_audience: str = Field("debtflow", description="Expected `aud` claim of bearer tokens.")
    tenants: dict[str, list[str]] = Field(
        {},  # pydantic copies a mutable default per instance
        description="Lenders and their lending cores, JSON `{\"lender-a\": [\"core-a1\", \"core-a2\"]}`: the cores "
        "of one lender share its borrowers; different tenants never mix. A source system listed nowhere is its own "
        "tenant. Recorded on each row when written, so moving a core later is a data migration (docs/tenants.md).",
    )

    max_body_bytes: int = Field(
        1024 * 1024, ge=1024,
        description="Largest request body an operation accepts unless it declares its own limit (batches, rule "
        "sets; each operation's limit is its `x-max-body-bytes` in the OpenAPI document). Larger bodies are "
        "refused with 413 before they are read.",
    )

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", description="Log level.")
    log_format: Literal["json", "console"] = Field(
        "json", description="`json`: one object per line (production); `console`: human-readable."
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        service_env = EnvSettingsSource(settings_cls, env_prefix=f"DEBTFLOW_{cls.service_name.upper()}_")
        shared_env = _SharedEnvSource(settings_cls, env_prefix="DEBTFLOW_")
        return (init_settings, service_env, shared_env)

    @model_validator(mode="after")
    def _per_service_defaults(self) -> ServiceSettings:
        if not self.service_name:
            raise ValueError("ServiceSettings subclasses must set service_name")
        if not self.database_url:
            self.database_url = f"sqlite+aiosqlite:///./var/{self.service_name}.db"
        if not self.port:
            self.port = self.default_port or 8000
        if not self.consumer_group:
            self.consumer_group = f"debtflow.{self.service_name}"
        return self

    @cached_property
    def tenancy(self) -> TenantMap:
        return TenantMap(self.tenants)

    @property
    def uses_development_key(self) -> bool:
        return self.auth_secret.get_secret_value() == DEVELOPMENT_AUTH_SECRET

    def refuse_unsafe_production(self) -> None:
        """Called at start-up: production must never run on the published development key."""
        if self.environment != "development" and self.uses_development_key:
            raise RuntimeError(
                f"DEBTFLOW_{self.service_name.upper()}_AUTH_SECRET (or DEBTFLOW_AUTH_SECRET) must be set: "
                "the built-in development signing key is refused outside development mode"
            )
        if len(self.auth_secret.get_secret_value().encode()) < 32:
            raise RuntimeError("the auth secret must be at least 32 bytes long")
        _ = self.tenancy  # a malformed tenant map fails start-up, not the first lender


class PersonalDataSettings(ServiceSettings):
    """Settings of services that hold personal data (intake, crm): the field-encryption key ring."""

    pii_keys: SecretStr = Field(
        SecretStr(DEVELOPMENT_PII_KEYS),
        description="AES key ring for personal data, `kid:base64key[,kid:base64key...]` (16/24/32-byte keys). "
        "Keep retired keys listed so old values still decrypt. Default: the development key.",
    )
    pii_active_key: str | None = Field(None, description="Key id new values are encrypted with; default the first.")
    pii_lookup_key: SecretStr = Field(
        SecretStr(DEVELOPMENT_PII_HMAC_KEY),
        description="HMAC key of the exact-match lookup hashes (never rotate without re-hashing); at least 32 bytes "
        "in production.",
    )

    @cached_property
    def field_cipher(self) -> FieldCipher:
        return FieldCipher.from_settings(
            self.pii_keys.get_secret_value(), self.pii_active_key, self.pii_lookup_key.get_secret_value()
        )

    def refuse_unsafe_production(self) -> None:
        super().refuse_unsafe_production()
        _ = self.field_cipher  # a malformed key ring fails start-up, not the first borrower
        if self.environment != "development":
            for problem in self.unsafe_personal_data_keys():
                raise RuntimeError(problem)

    def unsafe_personal_data_keys(self) -> list[str]:
        """Why the personal-data keys may not run in production: each published development key is refused
        wherever it appears (also as a retired key of the ring, which would still decrypt), and the lookup key
        must be as long as a signing key, because it is all that keeps low-entropy values (phones, identity
        numbers) from being found by trying them all."""
        reasons = []
        development_keys = set(parse_keyring(DEVELOPMENT_PII_KEYS).values())
        published = [kid for kid, key in self.field_cipher.keys.items() if key in development_keys]
        if published:
            reasons.append(f"DEBTFLOW_PII_KEYS holds the published development key (key id {', '.join(published)}): "
                           "set a key ring of your own outside development mode")
        lookup_key = self.pii_lookup_key.get_secret_value()
        if lookup_key == DEVELOPMENT_PII_HMAC_KEY:
            reasons.append("DEBTFLOW_PII_LOOKUP_KEY is the published development key: set one of your own "
                           "outside development mode")
        elif len(lookup_key.encode()) < 32:
            reasons.append("DEBTFLOW_PII_LOOKUP_KEY must be at least 32 bytes long outside development mode")
        return reasons


def settings_class_for(service: str) -> type[ServiceSettings]:
    """The settings class of an installed service (see `debtflow.common.services`)."""
    from debtflow.common.services import service as installed

    return installed(service).settings_class
