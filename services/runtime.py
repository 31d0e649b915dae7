"""The long-lived parts of one process: settings, database, object store, renderer. Built on demand."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property

from search import SearchIndex, open_search_index
from services.caches import Caches
from services.config import Settings
from services.context import Context
from services.db import Database, migrate
from services.domain.models import utcnow
from services.rendering.renderer import DocumentRenderer
from services.storage import ObjectStore, open_object_store


def elasticsearch_options(settings: Settings) -> object:
    """The Elasticsearch adapter's options from the settings (secrets unwrapped only here)."""
    from search.elasticsearch import ElasticsearchOptions

    es = settings.elasticsearch
    return ElasticsearchOptions(
        api_key=es.api_key.get_secret_value() if es.api_key else None,
        username=es.username,
        password=es.password.get_secret_value() if es.password else None,
        ca_certs=es.ca_certs,
        ssl_assert_fingerprint=es.ssl_assert_fingerprint,
        verify_certs=es.verify_certs,
        request_timeout=es.request_timeout,
        bulk_timeout=es.bulk_timeout,
        max_retries=es.max_retries,
        bulk_retries=es.bulk_retries,
        shards=es.shards,
        replicas=es.replicas,
        retire_grace=es.retire_grace,
    )


@dataclass
class Runtime:
    settings: Settings
    migrated: bool = field(default=False)
    clock: Callable[[], dt.datetime] = field(default=utcnow)

    @cached_property
    def store(self) -> ObjectStore:
        return open_object_store(self.settings.effective_storage_url)

    @cached_property
    def db(self) -> Database:
        if not self.migrated:
            migrate(self.settings.effective_database_url)
            self.migrated = True
        return Database(self.settings.effective_database_url, self.store)

    @cached_property
    def search_index(self) -> SearchIndex:
        return open_search_index(self.settings.effective_search_url, elasticsearch_options(self.settings))

    @cached_property
    def caches(self) -> Caches:
        return Caches()

    @cached_property
    def renderer(self) -> DocumentRenderer:
        cache = self.settings.home_dir / "cache"
        cache.mkdir(parents=True, exist_ok=True)
        return DocumentRenderer(self.settings.templates_dir, self.store, self.settings.fonts_dir, cache)

    @contextmanager
    def context(self, write: bool = True) -> Iterator[Context]:
        """One unit of work: commits when the block ends, rolls back (and removes staged objects) on error.
        ``write=False`` reads without taking the write lock (see Database.unit_of_work)."""
        with self.db.unit_of_work(write) as session:
            yield Context(
                session=session, store=self.store, settings=self.settings, clock=self.clock, caches=self.caches
            )

    def close(self) -> None:
        if "db" in self.__dict__:
            self.db.dispose()
        if "search_index" in self.__dict__:
            self.search_index.close()
