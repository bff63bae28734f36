"""Operations tests (issue 26): the access fixtures (a demo clone with users and tokens) reused as they are."""

from tests.access.conftest import access_app, access_db_url, tokens  # noqa: F401 - fixtures
