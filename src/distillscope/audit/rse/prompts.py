"""The prompts of an RSE run, each tagged with the domain it is scored under.

RSE scores each domain separately and averages the domain means, so every prompt needs a domain:
the set's own (`domain`, or the built-in set's name), else the record's category (so one file can
carry several domains, as the zoo's sets do), else the file's name.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from distillscope.audit.rse.job import RSEJob
from distillscope.data.rse_sets import builtin_source
from distillscope.data.sources import PromptItem, PromptSource, load_prompt_items
from distillscope.errors import InputError
from distillscope.models.types import Message


@dataclass
class RSEItem:
    uid: str  # unique across the run: domain and the item's own id
    domain: str
    item: PromptItem

    @property
    def messages(self) -> list[Message]:
        return self.item.messages


def job_sources(job: RSEJob) -> list[PromptSource]:
    """The built-in sets named, then the job's own sources; the job's sample applies where a source has none."""
    sources = [builtin_source(name, job.sample, job.seed) for name in job.set_names()]
    for source in job.prompts:
        if source.sample is None and job.sample is not None:
            source = source.model_copy(update={"sample": job.sample, "seed": job.seed})
        sources.append(source)
    if not sources:
        raise InputError("no prompts", hint="give --prompts FILE or --sets general,math,instructions")
    return sources


def _domain(source: PromptSource, item: PromptItem) -> str:
    if source.domain:
        return source.domain
    if item.category:
        return item.category
    return Path(source.path.removeprefix("hf:")).stem or source.path


def load_rse_items(job: RSEJob) -> list[RSEItem]:
    items: list[RSEItem] = []
    seen: set[str] = set()
    for source in job_sources(job):
        for item in load_prompt_items(source):
            domain = _domain(source, item)
            uid, copy = f"{domain}/{item.id}", 2
            while uid in seen:
                uid, copy = f"{domain}/{item.id}#{copy}", copy + 1
            seen.add(uid)
            items.append(RSEItem(uid=uid, domain=domain, item=item))
    return items


def domains_in_order(items: list[RSEItem]) -> list[str]:
    return list(dict.fromkeys(i.domain for i in items))
