"""Start and drive exchange-um-mock, a test double of the Exchange Unified Messaging web service,
from Python tests.

``UmMock.start()`` runs the ``exchange-um-mock`` binary this package was installed with on a free
port; ``UmMock.attach(url)`` talks to one that already runs (a container started by CI). Both give
the same helpers over the double's admin API, named as the Rust library names them.

``um.session(name=None, seed=None, fixtures=None)`` makes an isolated double on the same server
(its own mailboxes, emails, journal, scenarios, clock, under ``um.url + "/sessions/ID"``) and
returns a ``UmMock`` bound to it, whose ``service_url`` is what the app under test is given;
leaving its ``with`` block (or ``stop()``) ends the session::

    with UmMock.attach("http://127.0.0.1:8080") as server, server.session(name="checkout") as um:
        app = MyApp(exchange_url=um.service_url)
        app.reset_voicemail_pin("alice@contoso.com")
        assert um.latest_pin("alice@contoso.com") == um.mailbox("alice@contoso.com")["pin"]

The pytest plugin (``exchange_um_mock.plugin``, registered on install) provides the
``um_mock_server`` fixture (one server per pytest process, or ``--um-mock-url`` / ``EXUM_URL``)
and ``um_mock``, a session of its own per test, so ``pytest -n 2`` (pytest-xdist) against one
server keeps every test's mail apart. Standard library only.
"""

from ._errors import UmMockError
from ._mock import UmMock

__all__ = ["UmMock", "UmMockError"]
