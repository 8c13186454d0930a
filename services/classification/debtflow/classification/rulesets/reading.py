"""Reading a submitted rule set body: JSON under the kit's rules (`web.bodies`), YAML under the same ones.

YAML as PyYAML's `safe_load` reads it builds no objects, but it recurses once per nesting level (a RecursionError
at about a thousand), keeps the last of two equal keys, expands aliases (a few lines of `&a [*a, *a, ...]` become
billions of nodes) and reads `.nan` and `.inf`. A rule set needs none of that, so the loader below refuses each,
naming the rule and the line.
"""

from __future__ import annotations

import math
from typing import Any

import yaml
from yaml.nodes import MappingNode, ScalarNode

from debtflow.common.web.bodies import MAX_DEPTH, JsonRefused, decode_json

YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml")


def read_document(body: bytes, media_type: str) -> Any:
    """The submitted document. Raises JsonRefused for a body that breaks a rule, ValueError or yaml.YAMLError
    for one that does not parse, LookupError for a media type that is neither JSON nor YAML."""
    if media_type == "application/json":
        return decode_json(body)
    if media_type in YAML_TYPES:
        return load_yaml(body)
    raise LookupError(media_type)


def load_yaml(body: bytes | str, *, max_depth: int = MAX_DEPTH) -> Any:
    loader = _RuleSetLoader(body, max_depth)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


class _RuleSetLoader(yaml.SafeLoader):
    """SafeLoader (data only) that also refuses deep nesting, aliases, repeated keys and non-finite numbers."""

    def __init__(self, stream: bytes | str, max_depth: int) -> None:
        super().__init__(stream)
        self._max_depth = max_depth
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            raise JsonRefused(f"{_where(self.peek_event())}aliases (`*name`) are not accepted in a rule set",
                              rule="no_aliases")
        collection = self.check_event(yaml.CollectionStartEvent)
        if collection:
            self._depth += 1
            if self._depth > self._max_depth:
                raise JsonRefused(f"{_where(self.peek_event())}the body nests sequences and mappings more than "
                                  f"{self._max_depth} levels deep", rule="max_depth")
        try:
            return super().compose_node(parent, index)
        finally:
            if collection:
                self._depth -= 1

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if isinstance(key_node, ScalarNode):
                key = self.construct_object(key_node)
                if key in seen:
                    raise JsonRefused(f"{_where(key_node)}the key {str(key)[:64]!r} appears twice in one mapping; "
                                      "each key may appear once", rule="duplicate_key")
                seen.add(key)
        return super().construct_mapping(node, deep=deep)

    def construct_finite_float(self, node: ScalarNode) -> float:
        number = self.construct_yaml_float(node)
        if not math.isfinite(number):
            raise JsonRefused(f"{_where(node)}`{node.value}` is not a finite number", rule="finite_number")
        return number


_RuleSetLoader.add_constructor("tag:yaml.org,2002:float", _RuleSetLoader.construct_finite_float)


def _where(mark_holder: Any) -> str:
    mark = getattr(mark_holder, "start_mark", None)
    return f"line {mark.line + 1}: " if mark is not None else ""
