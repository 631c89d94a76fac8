"""What a model's calls cost: one rule for every place that prices a call.

A `price:` in the model's config wins; a local model (in process, or a self-hosted server) costs
nothing; a hosted provider's model costs its list price when the table knows it, and is unknown
otherwise, so a cost is never reported as zero by mistake. Priced from the config alone: no model
is built, no key is needed, no weights are loaded.
"""

from __future__ import annotations

from distillscope.models.config import ModelConfig, Price
from distillscope.models.spec import parse_spec

FREE = Price(input_per_mtok=0, output_per_mtok=0)


def price_of(config: ModelConfig) -> Price | None:
    if config.price is not None:
        return config.price
    parsed = parse_spec(config.spec)
    if parsed.provider is None:
        return FREE  # hf: and replay: spend nothing
    if parsed.provider.local:
        return FREE
    return parsed.provider.prices.get(parsed.model)
