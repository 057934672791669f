"""What the management routes need to know about strategy files, without running any of them.

``check`` is the execution room's check of a custom strategy's definition (injected into the
webhook console): the file resolves inside ``custom_strategies/``, parses, holds the class (or a
single one), and the parameters match the types of the class's declared defaults (the package's
own ``coerce_parameters``, standard library only). ``listing`` is
``GET /strategy/api/custom``. Both read files with ``ast`` only (``discovery``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from custom_strategies.parameters import ParameterError, coerce_parameters
from services.errors import InvalidInput
from services.execution.discovery import Discovery
from services.webhooks.custom_spec import CustomSpec


class Catalog:
    def __init__(self, discovery: Discovery) -> None:
        self.discovery = discovery

    def listing(self) -> list[dict[str, Any]]:
        return [entry.as_dict() for entry in self.discovery.list()]

    def check(self, spec: CustomSpec) -> CustomSpec:
        ref = self.discovery.roots.resolve(spec.file)
        entry = self.discovery.inspect(ref)
        chosen = entry.pick(spec.class_name)
        try:
            merged = coerce_parameters(chosen.parameters, spec.config)
        except ParameterError as error:
            raise InvalidInput(
                f"Invalid parameters: {error}", fields={"strategy_config": str(error)}
            ) from None
        # Only what the trader gave is stored: a default changed in the file later still applies.
        config = {name: merged[name] for name in spec.config}
        return replace(spec, file=ref.file, class_name=chosen.class_name, config=config)
