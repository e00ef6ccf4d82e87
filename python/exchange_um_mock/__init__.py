"""Start and drive exchange-um-mock, a test double of the Exchange Unified Messaging web service,
from Python tests.

``UmMock.start()`` runs the ``exchange-um-mock`` binary this package was installed with on a free
port; ``UmMock.attach(url)`` talks to one that already runs (a container started by CI). Both give
the same helpers over the double's admin API, named as the Rust library names them. The pytest
plugin (``exchange_um_mock.plugin``, registered on install) provides the ``um_mock_server`` and
``um_mock`` fixtures. Standard library only.
"""

from ._errors import UmMockError
from ._mock import UmMock

__all__ = ["UmMock", "UmMockError"]
