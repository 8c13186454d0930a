"""Generated documentation: AsyncAPI document, event reference, and the README's event and configuration tables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import SecretStr
from pydantic.fields import FieldInfo

from debtflow.common.events import registry
from debtflow.common.events.asyncapi import asyncapi_json, event_catalogue_markdown
from debtflow.common.events.topics import events_topic
from debtflow.common.services import service_names
from debtflow.common.settings import ServiceSettings, settings_class_for


def repo_root() -> Path:
    """The workspace root: the nearest directory above the cwd (or this file) holding docs/ and the uv workspace."""
    for start in (Path.cwd(), Path(__file__).resolve()):
        for candidate in (start, *start.parents):
            if (candidate / "pyproject.toml").is_file() and (candidate / "libs" / "common").is_dir():
                return candidate
    raise SystemExit("run `debtflow docs` inside the debtflow repository")


# -- configuration table ---------------------------------------------------------------------------


def _default_text(name: str, field: FieldInfo) -> str:
    default = field.default
    if isinstance(default, SecretStr):
        return "development key"
    if default in ("", 0, None):
        return "see description" if name in ("database_url", "port", "consumer_group") else "unset"
    return f"`{default}`"


def _per_service(field: FieldInfo) -> bool:
    extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
    return bool(extra.get("per_service"))


def _service_list() -> str:
    names = [f"`{name.upper()}`" for name in service_names()]
    return ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else "".join(names)


def configuration_markdown() -> str:
    lines = [
        "Every service reads `DEBTFLOW_<SERVICE>_<NAME>` first, then `DEBTFLOW_<NAME>` (shared by all services), "
        f"then the default. `<SERVICE>` is {_service_list()}.",
        "",
        "| variable | default | meaning |",
        "|---|---|---|",
    ]
    for name, field in ServiceSettings.model_fields.items():
        variable = f"DEBTFLOW_<SERVICE>_{name.upper()}"
        if not _per_service(field):
            variable += f" / DEBTFLOW_{name.upper()}"
        lines.append(f"| `{variable}` | {_default_text(name, field)} | {field.description or ''} |")
    for service in service_names():
        settings_class = settings_class_for(service)
        for name, field in settings_class.model_fields.items():
            if name in ServiceSettings.model_fields:
                continue
            variable = f"DEBTFLOW_{service.upper()}_{name.upper()}"
            if not _per_service(field):
                variable += f" / DEBTFLOW_{name.upper()}"
            lines.append(f"| `{variable}` | {_default_text(name, field)} | {field.description} |")
    return "\n".join(lines)


# -- event reference -------------------------------------------------------------------------------


def _type_text(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " or ".join(_type_text(option) for option in schema["anyOf"])
    if "enum" in schema:
        return " \\| ".join(f"`{value}`" for value in schema["enum"])
    if "const" in schema:
        return f"`{schema['const']}`"
    if schema.get("type") == "array":
        return f"list of {_type_text(schema.get('items', {}))}"
    text = str(schema.get("type", "any"))
    if "format" in schema:
        text += f" ({schema['format']})"
    elif "pattern" in schema and text == "string":
        text = "decimal string" if "\\d" in schema["pattern"] and "." in schema["pattern"] else text
    return text


def events_markdown() -> str:
    lines = [
        "# Event reference",
        "",
        "Generated from the event registry by `debtflow docs`; do not edit. Every event is a CloudEvents 1.0",
        "structured JSON value; `ce_id`, `ce_type`, `ce_source`, `ce_subject` and `ce_correlationid` are also",
        "Kafka headers, and the Kafka key is the subject (the debt id). The machine-readable contract is",
        "[asyncapi.json](asyncapi.json). Amounts are decimal strings with two places; times are UTC ISO 8601.",
        "",
    ]
    for model in registry.all():
        schema = model.model_json_schema(mode="serialization")
        required = set(schema.get("required", []))
        lines += [
            f"## `{model.event_type}`",
            "",
            f"{(model.__doc__ or '').strip()}",
            "",
            f"Producer: **{model.producer}**, topic `{events_topic(model.producer)}`.",
            "",
            "| field | type | required |",
            "|---|---|---|",
        ]
        for field_name, field_schema in schema.get("properties", {}).items():
            lines.append(f"| `{field_name}` | {_type_text(field_schema)} | {'yes' if field_name in required else 'no'} |")
        lines.append("")
    return "\n".join(lines)


# -- writing and checking --------------------------------------------------------------------------


def _replace_section(text: str, name: str, body: str) -> str:
    start, end = f"<!-- generated:{name} -->", f"<!-- /generated:{name} -->"
    if start not in text or end not in text:
        raise SystemExit(f"README.md lacks the markers {start} ... {end}")
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{start}\n{body}\n{end}{tail}"


def generated_files(root: Path) -> dict[Path, str]:
    readme_path = root / "README.md"
    readme = readme_path.read_text(encoding="utf-8")
    readme = _replace_section(readme, "events", event_catalogue_markdown())
    readme = _replace_section(readme, "config", configuration_markdown())
    return {
        root / "docs" / "asyncapi.json": asyncapi_json(),
        root / "docs" / "events.md": events_markdown(),
        readme_path: readme,
    }


def write_docs(*, check: bool = False) -> list[str]:
    """Write (or, with check, only compare) every generated file; returns the names that were out of date."""
    root = repo_root()
    stale = []
    for path, content in generated_files(root).items():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current != content:
            stale.append(str(path.relative_to(root)))
            if not check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(content, encoding="utf-8")
    return stale
