"""Service settings from the environment: per-service beats shared, per-service-only fields, safe keys."""

from __future__ import annotations

import base64
import os
from datetime import time

import pytest
from pydantic import ValidationError

from debtflow.common.pii import DEVELOPMENT_PII_HMAC_KEY, DEVELOPMENT_PII_KEYS
from debtflow.common.services import service_names
from debtflow.common.settings import DEVELOPMENT_AUTH_SECRET, ServiceSettings, settings_class_for

EXPECTED_PORTS = {
    "intake": 8001,
    "classification": 8002,
    "collections": 8003,
    "legal": 8004,
    "credit": 8005,
    "crm": 8006,
}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing from the caller's environment (a developer's DEBTFLOW_* exports) leaks into these tests."""
    for name in list(os.environ):
        if name.upper().startswith("DEBTFLOW_"):
            monkeypatch.delenv(name)


def settings(service: str) -> ServiceSettings:
    return settings_class_for(service)()


def test_every_service_has_a_settings_class() -> None:
    assert set(service_names()) == set(EXPECTED_PORTS)
    for service in service_names():
        assert settings_class_for(service).service_name == service


@pytest.mark.parametrize("service", service_names())
def test_defaults_are_safe_for_embedded_mode(service: str) -> None:
    loaded = settings(service)
    assert loaded.database_url == f"sqlite+aiosqlite:///./var/{service}.db"
    assert loaded.port == EXPECTED_PORTS[service]
    assert loaded.consumer_group == f"debtflow.{service}"
    assert loaded.environment == "development"
    assert loaded.host == "127.0.0.1"
    assert loaded.bus == "kafka"
    assert loaded.kafka_bootstrap_servers == "127.0.0.1:9092"
    assert loaded.topic_prefix == ""
    assert loaded.uses_development_key
    loaded.refuse_unsafe_production()  # development mode accepts the development key


def test_service_variable_beats_shared_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEBTFLOW_LOG_LEVEL", "WARNING")
    monkeypatch.setenv("DEBTFLOW_INTAKE_LOG_LEVEL", "DEBUG")
    monkeypatch.setenv("DEBTFLOW_TOPIC_PREFIX", "shared.")
    monkeypatch.setenv("DEBTFLOW_INTAKE_TOPIC_PREFIX", "intake-only.")
    intake, legal = settings("intake"), settings("legal")
    assert (intake.log_level, intake.topic_prefix) == ("DEBUG", "intake-only.")
    assert (legal.log_level, legal.topic_prefix) == ("WARNING", "shared.")


def test_explicit_arguments_beat_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEBTFLOW_INTAKE_DATABASE_URL", "postgresql+asyncpg://db/intake")
    monkeypatch.setenv("DEBTFLOW_INTAKE_BUS", "kafka")
    loaded = settings_class_for("intake")(database_url="sqlite+aiosqlite:///x.db", bus="memory")
    assert (loaded.database_url, loaded.bus) == ("sqlite+aiosqlite:///x.db", "memory")


@pytest.mark.parametrize("service", service_names())
def test_shared_variables_apply_to_every_service(monkeypatch: pytest.MonkeyPatch, service: str) -> None:
    monkeypatch.setenv("DEBTFLOW_KAFKA_BOOTSTRAP_SERVERS", "kafka-1:9092,kafka-2:9092")
    monkeypatch.setenv("DEBTFLOW_KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("DEBTFLOW_ENVIRONMENT", "production")
    monkeypatch.setenv("DEBTFLOW_AUTH_SECRET", "s" * 40)
    monkeypatch.setenv("DEBTFLOW_RELAY_BATCH_SIZE", "50")
    loaded = settings(service)
    assert loaded.kafka_bootstrap_servers == "kafka-1:9092,kafka-2:9092"
    assert loaded.kafka_security_protocol == "SASL_SSL"
    assert loaded.environment == "production"
    assert loaded.auth_secret.get_secret_value() == "s" * 40
    assert loaded.relay_batch_size == 50


def test_variable_names_are_case_insensitive(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("debtflow_crm_log_level", "ERROR")
    assert settings("crm").log_level == "ERROR"


@pytest.mark.parametrize("service", service_names())
def test_per_service_settings_are_not_taken_from_shared_variables(
    monkeypatch: pytest.MonkeyPatch, service: str
) -> None:
    monkeypatch.setenv("DEBTFLOW_DATABASE_URL", "postgresql+asyncpg://db/everyone")
    monkeypatch.setenv("DEBTFLOW_PORT", "9999")
    monkeypatch.setenv("DEBTFLOW_CONSUMER_GROUP", "one-group-for-all")
    loaded = settings(service)
    assert loaded.database_url == f"sqlite+aiosqlite:///./var/{service}.db"
    assert loaded.port == EXPECTED_PORTS[service]
    assert loaded.consumer_group == f"debtflow.{service}"


def test_per_service_settings_come_from_service_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEBTFLOW_CREDIT_DATABASE_URL", "postgresql+asyncpg://db/credit")
    monkeypatch.setenv("DEBTFLOW_CREDIT_PORT", "9105")
    monkeypatch.setenv("DEBTFLOW_CREDIT_CONSUMER_GROUP", "blue.credit")
    credit, crm = settings("credit"), settings("crm")
    assert (credit.database_url, credit.port, credit.consumer_group) == (
        "postgresql+asyncpg://db/credit",
        9105,
        "blue.credit",
    )
    assert (crm.database_url, crm.port, crm.consumer_group) == (
        "sqlite+aiosqlite:///./var/crm.db",
        8006,
        "debtflow.crm",
    )


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DEBTFLOW_BUS", "rabbitmq"),
        ("DEBTFLOW_INTAKE_PORT", "eighty"),
        ("DEBTFLOW_TOPIC_PARTITIONS", "0"),
        ("DEBTFLOW_LOG_FORMAT", "xml"),
        ("DEBTFLOW_ENVIRONMENT", "staging"),
        ("DEBTFLOW_CONSUMER_MAX_ATTEMPTS", "0"),
    ],
)
def test_invalid_values_are_refused(monkeypatch: pytest.MonkeyPatch, variable: str, value: str) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValidationError):
        settings("intake")


# -- signing key ---------------------------------------------------------------------------------


@pytest.mark.parametrize("service", service_names())
def test_production_refuses_the_development_key(monkeypatch: pytest.MonkeyPatch, service: str) -> None:
    monkeypatch.setenv("DEBTFLOW_ENVIRONMENT", "production")
    loaded = settings(service)
    with pytest.raises(RuntimeError, match="development signing key") as caught:
        loaded.refuse_unsafe_production()
    assert f"DEBTFLOW_{service.upper()}_AUTH_SECRET" in str(caught.value)
    assert DEVELOPMENT_AUTH_SECRET not in str(caught.value)


def test_production_refuses_the_development_key_given_explicitly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEBTFLOW_ENVIRONMENT", "production")
    monkeypatch.setenv("DEBTFLOW_AUTH_SECRET", DEVELOPMENT_AUTH_SECRET)
    with pytest.raises(RuntimeError, match="development signing key"):
        settings("legal").refuse_unsafe_production()


@pytest.mark.parametrize("secret", ["k" * 32, "a-long-random-production-signing-key-0123456789", "é" * 16])
def test_production_accepts_a_key_of_at_least_32_bytes(monkeypatch: pytest.MonkeyPatch, secret: str) -> None:
    monkeypatch.setenv("DEBTFLOW_ENVIRONMENT", "production")
    monkeypatch.setenv("DEBTFLOW_CLASSIFICATION_AUTH_SECRET", secret)
    loaded = settings("classification")
    assert not loaded.uses_development_key
    loaded.refuse_unsafe_production()


PRODUCTION_PII_KEYS = "prod1:" + base64.b64encode(b"p" * 32).decode()


PRODUCTION_LOOKUP_KEY = "a-production-lookup-hash-key-of-32-bytes-or-more"
DEVELOPMENT_KEY_AS_RETIRED = PRODUCTION_PII_KEYS + "," + DEVELOPMENT_PII_KEYS


def test_production_starts_with_personal_data_keys_of_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    _production_keys(monkeypatch)
    settings("intake").refuse_unsafe_production()


@pytest.mark.parametrize(("variable", "value", "refusal"), [
    ("DEBTFLOW_PII_KEYS", DEVELOPMENT_PII_KEYS, "DEBTFLOW_PII_KEYS holds the published development key"),
    ("DEBTFLOW_PII_KEYS", DEVELOPMENT_KEY_AS_RETIRED, r"development key \(key id dev1\)"),
    ("DEBTFLOW_PII_KEYS", "own:" + DEVELOPMENT_PII_KEYS.partition(":")[2], r"\(key id own\)"),
    ("DEBTFLOW_PII_LOOKUP_KEY", DEVELOPMENT_PII_HMAC_KEY, "DEBTFLOW_PII_LOOKUP_KEY is the published development key"),
    ("DEBTFLOW_PII_LOOKUP_KEY", "short-lookup-key", "DEBTFLOW_PII_LOOKUP_KEY must be at least 32 bytes"),
])
def test_production_refuses_each_development_personal_data_key_on_its_own(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, refusal: str
) -> None:
    """Intake holds the encrypted personal data. Every other key is a production one, so the refusal can only come
    from the one published key."""
    _production_keys(monkeypatch)
    monkeypatch.setenv(variable, value)
    with pytest.raises(RuntimeError, match=refusal) as caught:
        settings("intake").refuse_unsafe_production()
    assert value not in str(caught.value)  # the refusal names the variable, never the secret


def test_development_mode_runs_on_the_development_personal_data_keys() -> None:
    settings("intake").refuse_unsafe_production()


def test_crm_holds_personal_data_too_and_refuses_the_development_keys_in_production(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """crm decrypts intake's borrower events and keeps profiles and contact points: the same key ring, the same
    refusal. With only the signing key set, the development personal-data keys it falls back to stop start-up."""
    monkeypatch.setenv("DEBTFLOW_ENVIRONMENT", "production")
    monkeypatch.setenv("DEBTFLOW_AUTH_SECRET", "a-long-random-production-signing-key-0123456789")
    with pytest.raises(RuntimeError, match="DEBTFLOW_PII_KEYS holds the published development key"):
        settings("crm").refuse_unsafe_production()
    _production_keys(monkeypatch)
    loaded = settings("crm")
    loaded.refuse_unsafe_production()
    assert loaded.field_cipher.active_key_id == "prod1"  # the ring it was given, not the development one


def _production_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEBTFLOW_ENVIRONMENT", "production")
    monkeypatch.setenv("DEBTFLOW_AUTH_SECRET", "a-long-random-production-signing-key-0123456789")
    monkeypatch.setenv("DEBTFLOW_PII_KEYS", PRODUCTION_PII_KEYS)
    monkeypatch.setenv("DEBTFLOW_PII_LOOKUP_KEY", PRODUCTION_LOOKUP_KEY)


def test_a_malformed_pii_key_ring_fails_at_start_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEBTFLOW_INTAKE_PII_KEYS", "k1:not-base64!")
    with pytest.raises(ValueError):
        settings("intake").refuse_unsafe_production()


@pytest.mark.parametrize("environment", ["development", "production"])
@pytest.mark.parametrize("secret", ["short", "k" * 31, "é" * 15])
def test_a_key_shorter_than_32_bytes_is_refused(
    monkeypatch: pytest.MonkeyPatch, environment: str, secret: str
) -> None:
    monkeypatch.setenv("DEBTFLOW_ENVIRONMENT", environment)
    monkeypatch.setenv("DEBTFLOW_AUTH_SECRET", secret)
    with pytest.raises(RuntimeError, match="at least 32 bytes") as caught:
        settings("intake").refuse_unsafe_production()
    assert secret not in str(caught.value)


def test_the_secret_is_not_shown_in_the_settings_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEBTFLOW_AUTH_SECRET", "top-secret-signing-key-0123456789abcdef")
    monkeypatch.setenv("DEBTFLOW_KAFKA_SASL_PASSWORD", "hunter2-kafka-password")
    shown = repr(settings("intake"))
    assert "top-secret-signing-key" not in shown
    assert "hunter2-kafka-password" not in shown


# -- collections ---------------------------------------------------------------------------------


def test_collections_contact_hours_defaults() -> None:
    loaded = settings("collections")
    assert loaded.default_timezone == "Asia/Shanghai"  # type: ignore[attr-defined]
    assert loaded.contact_profile == "CN"  # type: ignore[attr-defined]
    # No override: the profile's hours (08:00-21:00, GB/T 45251-2025) are the contact policy's.
    assert (loaded.contact_hours_start, loaded.contact_hours_end) == (None, None)  # type: ignore[attr-defined]


def test_collections_settings_read_their_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEBTFLOW_COLLECTIONS_DEFAULT_TIMEZONE", "Europe/Berlin")
    monkeypatch.setenv("DEBTFLOW_COLLECTIONS_CONTACT_HOURS_START", "09:30")
    monkeypatch.setenv("DEBTFLOW_COLLECTIONS_CONTACT_HOURS_END", "20:00")
    loaded = settings("collections")
    assert loaded.default_timezone == "Europe/Berlin"  # type: ignore[attr-defined]
    window = (loaded.contact_hours_start, loaded.contact_hours_end)  # type: ignore[attr-defined]
    assert window == (time(9, 30), time(20, 0))


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "Asia/Shangai", "", "../../etc/passwd", "UTC+8"])
def test_collections_refuses_an_unknown_time_zone(monkeypatch: pytest.MonkeyPatch, zone: str) -> None:
    monkeypatch.setenv("DEBTFLOW_COLLECTIONS_DEFAULT_TIMEZONE", zone)
    with pytest.raises(ValidationError, match="default_timezone"):
        settings("collections")


@pytest.mark.parametrize(("start", "end"), [("21:00", "08:00"), ("12:00", "12:00"), ("08:00:01", "08:00:00")])
def test_collections_refuses_contact_hours_that_end_before_they_start(
    monkeypatch: pytest.MonkeyPatch, start: str, end: str
) -> None:
    monkeypatch.setenv("DEBTFLOW_COLLECTIONS_CONTACT_HOURS_START", start)
    monkeypatch.setenv("DEBTFLOW_COLLECTIONS_CONTACT_HOURS_END", end)
    with pytest.raises(ValidationError, match="contact_hours_end must be after contact_hours_start"):
        settings("collections")
