"""A fake campus identity service (CAS 2.0/3.0) for the tests and the demo; standard library only.

    /login               GET: the login form (or straight back with a ticket when the browser
                         already has a CAS session); POST: check the user, set the session, redirect
                         to `service` with `?ticket=ST-...`
    /serviceValidate     CAS 2.0 ticket check: XML with cas:user and cas:attributes
    /p3/serviceValidate  CAS 3.0 ticket check, the same answer
    /logout              ends the CAS session, POSTs a SAML logoutRequest to every service it
                         issued a ticket to in that session (single logout), then goes to
                         `service` (CAS 3) or `url` (CAS 2) if given

Tickets are single use and bound to the exact service URL they were issued for, as a real CAS
server's are. `users` maps a CAS user name to its attributes; with `open_directory=True` any name
logs in (the demo: type any 学工号), its attributes made from the name.

    python -m tests.fake_cas --port 8765 --open     (what `python3 dev.py demo --fake-cas` starts)
"""

import argparse
import html
import secrets
import threading
import urllib.request
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from socketserver import ThreadingMixIn
from urllib.parse import parse_qs, urlencode
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from xml.sax.saxutils import escape

TGC = "CASTGC"


class _Quiet(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class FakeCas:
    def __init__(self, users: dict[str, dict[str, str | list[str]]] | None = None, *, open_directory=False):
        self.users = dict(users or {})
        self.open_directory = open_directory
        self.tickets: dict[str, tuple[str, str]] = {}  # ticket -> (user, service), until validated
        self.sessions: dict[str, str] = {}  # CASTGC cookie -> user
        self.issued: dict[str, list[tuple[str, str]]] = {}  # CASTGC -> [(ticket, service)] for single logout
        self.validations: list[tuple[str, str]] = []  # (path, ticket): what the portal asked
        self.logout_posts: list[tuple[str, int]] = []  # (service, HTTP status) of each single logout
        self._lock = threading.Lock()
        self._server = None
        self.url = ""

    # -- for tests ---------------------------------------------------------------------------
    def attributes_of(self, user: str) -> dict[str, str | list[str]] | None:
        if user in self.users:
            return self.users[user]
        if self.open_directory and user:
            return {"employeeNumber": user, "cn": user}
        return None

    def issue_ticket(self, user: str, service: str, session: str = "") -> str:
        ticket = f"ST-{secrets.token_urlsafe(24)}"
        with self._lock:
            self.tickets[ticket] = (user, service)
            if session:
                self.issued.setdefault(session, []).append((ticket, service))
        return ticket

    @staticmethod
    def logout_request(ticket: str) -> str:
        """The SAML 2 logoutRequest a CAS server POSTs (form field `logoutRequest`)."""
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return (
            '<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
            f'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="LR-{secrets.token_hex(8)}" '
            f'Version="2.0" IssueInstant="{now}"><saml:NameID>@NOT_USED@</saml:NameID>'
            f"<samlp:SessionIndex>{escape(ticket)}</samlp:SessionIndex></samlp:LogoutRequest>"
        )

    def start(self) -> str:
        self._server = make_server("127.0.0.1", 0, self, server_class=_ThreadingServer, handler_class=_Quiet)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self._server.server_port}/"
        return self.url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    # -- WSGI --------------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        cookies = SimpleCookie(environ.get("HTTP_COOKIE", ""))
        session = cookies[TGC].value if TGC in cookies else ""
        if path == "/login" and environ["REQUEST_METHOD"] == "POST":
            size = int(environ.get("CONTENT_LENGTH") or 0)
            form = {k: v[0] for k, v in parse_qs(environ["wsgi.input"].read(size).decode()).items()}
            return self._login_post(form, start_response)
        if path == "/login":
            return self._login_get(query, session, start_response)
        if path in ("/serviceValidate", "/p3/serviceValidate"):
            return self._validate(path, query, start_response)
        if path == "/logout":
            return self._logout(query, session, start_response)
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]

    def _redirect(self, start_response, location: str, extra_headers=()):
        start_response("302 Found", [("Location", location), *extra_headers])
        return [b""]

    def _with_ticket(self, service: str, ticket: str) -> str:
        return f"{service}{'&' if '?' in service else '?'}{urlencode({'ticket': ticket})}"

    def _login_get(self, query, session, start_response):
        service = query.get("service", "")
        user = self.sessions.get(session)
        if user and service:  # single sign-on: already logged in here
            return self._redirect(start_response, self._with_ticket(service, self.issue_ticket(user, service, session)))
        return self._form(start_response, service)

    def _login_post(self, form, start_response):
        user = (form.get("username") or "").strip()
        service = form.get("service", "")
        if self.attributes_of(user) is None:
            return self._form(start_response, service, error="用户名或密码错误")
        session = f"TGT-{secrets.token_urlsafe(16)}"
        self.sessions[session] = user
        cookie = ("Set-Cookie", f"{TGC}={session}; Path=/; HttpOnly")
        if not service:
            start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"), cookie])
            return ["<p>登录成功</p>".encode()]
        ticket = self.issue_ticket(user, service, session)
        return self._redirect(start_response, self._with_ticket(service, ticket), [cookie])

    def _form(self, start_response, service: str, error: str = ""):
        hint = "（模拟）任意学工号均可登录，密码任意" if self.open_directory else "（模拟）"
        page = f"""<!doctype html><html lang="zh-Hans"><head><meta charset="utf-8"><title>统一身份认证</title></head>
<body><h1>统一身份认证 {html.escape(hint)}</h1>{f'<p class="error">{html.escape(error)}</p>' if error else ""}
<form method="post" action="/login"><input type="hidden" name="service" value="{html.escape(service)}">
<label>学工号 <input name="username" id="username" autofocus></label>
<label>密码 <input name="password" id="password" type="password"></label>
<button type="submit" id="login">登录</button></form></body></html>"""
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [page.encode()]

    def _validate(self, path, query, start_response):
        ticket, service = query.get("ticket", ""), query.get("service", "")
        with self._lock:
            self.validations.append((path, ticket))
            issued = self.tickets.pop(ticket, None)  # single use, whatever the outcome
        start_response("200 OK", [("Content-Type", "application/xml; charset=utf-8")])
        ns = 'xmlns:cas="http://www.yale.edu/tp/cas"'
        if issued is None or issued[1] != service:
            code = "INVALID_TICKET" if issued is None else "INVALID_SERVICE"
            body = (
                f'<cas:serviceResponse {ns}><cas:authenticationFailure code="{code}">'
                f"Ticket {escape(ticket)} not recognized</cas:authenticationFailure></cas:serviceResponse>"
            )
            return [body.encode()]
        user = issued[0]
        attributes = ""
        for name, value in (self.attributes_of(user) or {}).items():
            for one in value if isinstance(value, list) else [value]:
                attributes += f"<cas:{name}>{escape(one)}</cas:{name}>"
        body = (
            f"<cas:serviceResponse {ns}><cas:authenticationSuccess><cas:user>{escape(user)}</cas:user>"
            f"<cas:attributes>{attributes}</cas:attributes></cas:authenticationSuccess></cas:serviceResponse>"
        )
        return [body.encode()]

    def _logout(self, query, session, start_response):
        self.sessions.pop(session, None)
        for ticket, service in self.issued.pop(session, []):
            self.single_logout(ticket, service)
        cookie = ("Set-Cookie", f"{TGC}=; Path=/; Max-Age=0")
        back = query.get("service") or query.get("url")
        if back:
            return self._redirect(start_response, back, [cookie])
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"), cookie])
        return ["<p>已退出统一身份认证</p>".encode()]

    def single_logout(self, ticket: str, service: str) -> int:
        """POSTs the logoutRequest for `ticket` to the service, as the back channel does."""
        data = urlencode({"logoutRequest": self.logout_request(ticket)}).encode()
        try:
            with urllib.request.urlopen(urllib.request.Request(service, data=data), timeout=5) as response:
                status = response.status
        except Exception:  # a real server logs it and goes on; the test reads logout_posts
            status = 0
        self.logout_posts.append((service, status))
        return status


def main() -> None:
    parser = argparse.ArgumentParser(description="A fake CAS server for the demo")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--open", action="store_true", help="any user name logs in")
    args = parser.parse_args()
    server = make_server(
        "127.0.0.1", args.port, FakeCas(open_directory=args.open), server_class=_ThreadingServer, handler_class=_Quiet
    )
    server.serve_forever()


if __name__ == "__main__":
    main()
