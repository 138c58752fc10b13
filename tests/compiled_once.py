"""What every test's app would compile again, compiled once per test process.

Every test makes its own app (and engine), as a deployment makes one per process. Three
things were compiled afresh for each, for two fifths of the suite's time: Werkzeug's URL
builders, SQLAlchemy's statements and Jinja's templates. Each is shared here between the
apps of one worker, keyed by everything its compiled form depends on. Tests only: the
application itself is unchanged.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket
from werkzeug.routing.rules import Rule


def apply() -> None:
    _url_builders()
    _statements()
    Flask.jinja_options = {**Flask.jinja_options, "bytecode_cache": _TemplateCode()}


def _url_builders() -> None:
    """Two thirds of `create_app` went on Werkzeug compiling the same URL builders again
    (Python source per rule, 136 rules). A builder's code depends only on its rule's text,
    parts and defaults; the rule itself is passed to it as an argument, so one compiled
    builder serves every app of the worker."""
    compile_builder = Rule._compile_builder
    builders: dict = {}

    def cached(self, append_unknown: bool = True):  # noqa: ANN001, ANN202
        key = (self.rule, tuple(self._trace), repr(sorted((self.defaults or {}).items())),
               append_unknown)
        if key not in builders:
            builders[key] = compile_builder(self, append_unknown)
        return builders[key]

    Rule._compile_builder = cached


def _statements() -> None:
    """SQLAlchemy compiles a statement once per engine: a quarter of a test's time went on
    compiling the same statements again. Compiled SQL depends on the dialect's class and
    settings, which every engine of the suite shares (no schema or file name is in it), so
    the engines share one cache, and dialects of one class count as the same in its keys."""
    from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
    from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite

    for dialect in (SQLiteDialect_pysqlite, PGDialect_psycopg):
        dialect.__eq__ = lambda self, other: type(self) is type(other)
        dialect.__hash__ = lambda self: hash(type(self))
    compiled = sa.util.LRUCache(5000)

    @sa.event.listens_for(sa.engine.Engine, "engine_connect")
    def _share(connection: sa.Connection) -> None:
        connection.engine._compiled_cache = compiled


class _TemplateCode(BytecodeCache):
    """A first page cost four times a second one: its templates were compiled. Jinja's own
    bytecode cache, kept in memory, lets the apps of a worker share the compiled templates;
    Jinja checks each against its source's checksum."""

    def __init__(self) -> None:
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.code[bucket.key] = bucket.bytecode_to_string()
