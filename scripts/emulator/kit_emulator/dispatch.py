"""moto's request dispatcher, with its answer per host name remembered.

moto finds the backend of every request anew (moto_server/werkzeug_app.py, DomainDispatcherApplication):
get_backend_for_host lists moto's package directory (backends.list_of_moto_modules: a listdir and an isdir
per service, about 200 system calls) and then tries up to 183 URL patterns, all while holding the one lock
that every request takes. Its answer depends only on the host name it is given (the URL patterns and the
installed package do not change while the server runs), so it is computed once per host name.
"""

from __future__ import annotations

from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication


class RememberingDispatcher(DomainDispatcherApplication):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._backend_by_host: dict[str | None, Any] = {}

    def get_backend_for_host(self, host: str | None) -> Any:
        # Called with the dispatcher's lock held (get_application), so the dictionary needs no lock of its own.
        if host not in self._backend_by_host:
            self._backend_by_host[host] = super().get_backend_for_host(host)
        return self._backend_by_host[host]
