"""The PostgreSQL store passes the store contract against a real server, plus what is particular to it."""

import pytest

from dalil.index.stores.postgres import PostgresStore
from dalil.settings import Settings
from dalil.testing.store_contract import StoreContract

pytestmark = pytest.mark.postgres


class TestPostgresStore(StoreContract):
    @pytest.fixture
    def store_settings(self, tmp_path, postgres_url):
        settings = Settings(
            index_dir=tmp_path / "index", store="postgres", database_url=postgres_url, embedder="hash:32"
        )
        store = PostgresStore.from_settings(settings)
        store.migrate()
        store.close()
        return settings
