"""Jinja2 for every HTML and text output: autoescape on for HTML, so every string from a feed is escaped;
nothing from a feed is marked safe."""

from __future__ import annotations

from datetime import datetime, tzinfo
from functools import lru_cache

import jinja2

from nashra.resources import templates_dir


@lru_cache(maxsize=4)
def environment(zone: tzinfo) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "xml"), default_for_string=True),
        trim_blocks=False,
        lstrip_blocks=False,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["localtime"] = lambda when: local_time(when, zone)
    return env


def local_time(when: datetime, zone: tzinfo) -> str:
    return when.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def render(template: str, zone: tzinfo, **context) -> str:
    return environment(zone).get_template(template).render(**context)
