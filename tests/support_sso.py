"""Protocol partners for the single sign-on tests, all on this machine: an OpenID Connect provider, a CAS server,
WeCom's and DingTalk's login APIs (each a pytest-httpserver speaking the real protocol: signed id tokens, PKCE,
CAS XML, the platforms' JSON), and a real OpenLDAP server (Debian's slapd) started in a temporary folder."""

import base64
import hashlib
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from werkzeug import Response

from tests.conftest import require_service

CLIENT_ID = "partybuild"
CLIENT_SECRET = "oidc-client-secret"


def enable_backend(settings, path: str) -> None:
    backends = [b for b in settings.AUTHENTICATION_BACKENDS if b != path]
    settings.AUTHENTICATION_BACKENDS = [*backends, path]


# --- OpenID Connect -----------------------------------------------------------------------------------------------


@dataclass
class FakeOIDCProvider:
    """Authorization code flow with PKCE: /authorize (redirects back with a code), /token (checks the code, the
    client's secret and the PKCE verifier, returns an RS256 id token with the nonce), /jwks, /userinfo."""

    server: object
    callback_url: str = ""
    claims: dict = field(default_factory=lambda: {"preferred_username": "secretary_a"})
    key: object = field(default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048))
    sign_with: object = None  # another key: a forged id token
    nonce_override: str | None = None
    token_status: int = 200
    pending: dict = field(default_factory=dict)  # code -> (nonce, code_challenge)
    token_requests: list = field(default_factory=list)

    def install(self, settings):
        settings.OIDC_RP_CLIENT_ID = CLIENT_ID
        settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
        settings.OIDC_OP_AUTHORIZATION_ENDPOINT = self.server.url_for("/authorize")
        settings.OIDC_OP_TOKEN_ENDPOINT = self.server.url_for("/token")
        settings.OIDC_OP_USER_ENDPOINT = self.server.url_for("/userinfo")
        settings.OIDC_OP_JWKS_ENDPOINT = self.server.url_for("/jwks")
        settings.OIDC_RP_SIGN_ALGO = "RS256"
        enable_backend(settings, "tasks.security.sso.backends.OIDCBackend")
        self.server.expect_request("/authorize").respond_with_handler(self._authorize)
        self.server.expect_request("/token", method="POST").respond_with_handler(self._token)
        self.server.expect_request("/jwks").respond_with_handler(self._jwks)
        self.server.expect_request("/userinfo").respond_with_handler(self._userinfo)
        return self

    def _authorize(self, request):
        args = request.args
        assert args["client_id"] == CLIENT_ID and args["response_type"] == "code"
        code = f"code-{len(self.pending)}"
        self.pending[code] = (args["nonce"], args.get("code_challenge"), args["redirect_uri"])
        query = urllib.parse.urlencode({"code": code, "state": args["state"]})
        return Response(status=302, headers={"Location": f"{args['redirect_uri']}?{query}"})

    def _token(self, request):
        form = request.form
        self.token_requests.append(dict(form))
        if self.token_status != 200:
            return Response(
                json.dumps({"error": "server_error"}), status=self.token_status, mimetype="application/json"
            )
        nonce, challenge, redirect_uri = self.pending.pop(form["code"], (None, None, None))
        verifier = form.get("code_verifier", "")
        expected = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if (
            nonce is None
            or form["client_id"] != CLIENT_ID
            or form["client_secret"] != CLIENT_SECRET
            or challenge != expected
            or form["redirect_uri"] != redirect_uri
        ):
            return Response(json.dumps({"error": "invalid_grant"}), status=400, mimetype="application/json")
        now = int(time.time())
        id_token = jwt.encode(
            {
                "iss": self.server.url_for("/"),
                "sub": "subject-1",
                "aud": CLIENT_ID,
                "iat": now,
                "exp": now + 300,
                "nonce": self.nonce_override or nonce,
            },
            self.sign_with or self.key,
            algorithm="RS256",
            headers={"kid": "key-1"},
        )
        body = {"access_token": "access-1", "token_type": "Bearer", "id_token": id_token, "expires_in": 300}
        return Response(json.dumps(body), mimetype="application/json")

    def _jwks(self, request):
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        jwk.update({"kid": "key-1", "alg": "RS256", "use": "sig"})
        return Response(json.dumps({"keys": [jwk]}), mimetype="application/json")

    def _userinfo(self, request):
        if request.headers.get("Authorization") != "Bearer access-1":
            return Response(status=401)
        return Response(json.dumps({"sub": "subject-1", **self.claims}), mimetype="application/json")

    def log_in(self, client, next_url: str = ""):
        """The browser's part, as the Django test client: start, follow the provider's redirect, call back."""
        start = client.get("/accounts/sso/oidc/" + (f"?next={next_url}" if next_url else ""))
        assert start.status_code == 302, start
        import requests

        answer = requests.get(start["Location"], allow_redirects=False, timeout=5)
        callback = urllib.parse.urlsplit(answer.headers["Location"])
        return client.get(callback.path, dict(urllib.parse.parse_qsl(callback.query)))


# --- CAS ----------------------------------------------------------------------------------------------------------

CAS_SUCCESS = """<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">
  <cas:authenticationSuccess>
    <cas:user>{user}</cas:user>
    <cas:attributes>{attributes}</cas:attributes>
  </cas:authenticationSuccess>
</cas:serviceResponse>"""
CAS_FAILURE = """<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">
  <cas:authenticationFailure code="INVALID_TICKET">Ticket {ticket} not recognized</cas:authenticationFailure>
</cas:serviceResponse>"""


@dataclass
class FakeCAS:
    """A CAS 3.0 server: /login redirects back with a service ticket, /p3/serviceValidate checks it (once, and for
    the service it was issued for)."""

    server: object
    user: str = "secretary_a"
    attributes: dict = field(default_factory=dict)
    tickets: dict = field(default_factory=dict)

    def install(self, settings):
        settings.CAS_SERVER_URL = self.server.url_for("/cas/")
        settings.CAS_VERSION = "3"
        enable_backend(settings, "tasks.security.sso.backends.CASBackend")
        self.server.expect_request("/cas/login").respond_with_handler(self._login)
        self.server.expect_request("/cas/p3/serviceValidate").respond_with_handler(self._validate)
        return self

    def _login(self, request):
        service = request.args["service"]
        ticket = f"ST-{len(self.tickets) + 1}-partybuild"
        self.tickets[ticket] = service
        sep = "&" if "?" in service else "?"
        return Response(status=302, headers={"Location": f"{service}{sep}ticket={ticket}"})

    def _validate(self, request):
        ticket, service = request.args.get("ticket"), request.args.get("service")
        if self.tickets.pop(ticket, None) != service:
            return Response(CAS_FAILURE.format(ticket=ticket), mimetype="text/xml")
        attributes = "".join(f"<cas:{k}>{v}</cas:{k}>" for k, v in self.attributes.items())
        return Response(CAS_SUCCESS.format(user=self.user, attributes=attributes), mimetype="text/xml")

    def log_in(self, client, next_url: str = ""):
        import requests

        start = client.get("/accounts/sso/cas/" + (f"?next={next_url}" if next_url else ""))
        assert start.status_code == 302, start
        answer = requests.get(start["Location"], allow_redirects=False, timeout=5)
        back = urllib.parse.urlsplit(answer.headers["Location"])
        return client.get(back.path, dict(urllib.parse.parse_qsl(back.query)))


# --- WeCom and DingTalk -------------------------------------------------------------------------------------------


def install_wecom(settings, server):
    settings.WECOM_CORP_ID = "ww-corp"
    settings.WECOM_AGENT_ID = "1000002"
    settings.WECOM_SECRET = "wecom-secret"
    settings.WECOM_API_BASE = server.url_for("/wecom")
    settings.WECOM_AUTHORIZE_URL = server.url_for("/wecom/connect/oauth2/authorize")
    settings.WECOM_QR_LOGIN_URL = server.url_for("/wecom/wwlogin/sso/login")
    enable_backend(settings, "tasks.security.sso.backends.WeComBackend")


def install_dingtalk(settings, server):
    settings.DINGTALK_CLIENT_ID = "ding-app"
    settings.DINGTALK_CLIENT_SECRET = "ding-secret"
    settings.DINGTALK_LOGIN_URL = server.url_for("/ding/login/oauth2/auth")
    settings.DINGTALK_API_BASE = server.url_for("/ding/api")
    settings.DINGTALK_OAPI_BASE = server.url_for("/ding/oapi")
    enable_backend(settings, "tasks.security.sso.backends.DingTalkBackend")


def oauth_log_in(client, provider: str, code: str = "the-code", user_agent: str = ""):
    """Start (our redirect to the platform), then come back with the platform's code and our state."""
    headers = {"HTTP_USER_AGENT": user_agent} if user_agent else {}
    start = client.get(f"/accounts/sso/{provider}/", **headers)
    assert start.status_code == 302, start
    state = urllib.parse.parse_qs(urllib.parse.urlsplit(start["Location"]).query)["state"][0]
    param = "authCode" if provider == "dingtalk" else "code"
    return client.get(f"/accounts/sso/{provider}/callback/", {param: code, "state": state})


# --- OpenLDAP -----------------------------------------------------------------------------------------------------

LDAP_SUFFIX = "dc=partybuild,dc=test"
LDAP_ADMIN_DN = f"cn=admin,{LDAP_SUFFIX}"
LDAP_ADMIN_PASSWORD = "slapd-admin-pw"
LDAP_PASSWORD = "Directory-Pass-7"
SCHEMAS = ("core", "cosine", "inetorgperson", "nis")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _person(uid: str, employee_number: str = "") -> str:
    lines = [
        f"dn: uid={uid},ou=people,{LDAP_SUFFIX}",
        "objectClass: inetOrgPerson",
        f"uid: {uid}",
        f"cn: {uid}",
        f"sn: {uid}",
        f"userPassword: {LDAP_PASSWORD}",
    ]
    if employee_number:
        lines.append(f"employeeNumber: {employee_number}")
    return "\n".join(lines)


@dataclass
class Slapd:
    uri: str
    process: subprocess.Popen

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


def start_slapd(folder: Path) -> Slapd:
    """Our own slapd on a free port, in `folder`, with a directory of people; never the system's instance."""
    slapd = shutil.which("slapd") or ("/usr/sbin/slapd" if os.path.exists("/usr/sbin/slapd") else None)
    if slapd is None or shutil.which("ldapadd") is None:
        require_service("slapd and ldapadd are not installed (apt-get install slapd ldap-utils)")
    data = folder / "data"
    data.mkdir(parents=True)
    config = folder / "slapd.conf"
    config.write_text(
        "\n".join(
            [
                *(f"include /etc/ldap/schema/{name}.schema" for name in SCHEMAS),
                f"pidfile {folder / 'slapd.pid'}",
                "modulepath /usr/lib/ldap",
                "moduleload back_mdb",
                "database mdb",
                "maxsize 10485760",
                f'suffix "{LDAP_SUFFIX}"',
                f'rootdn "{LDAP_ADMIN_DN}"',
                f"rootpw {LDAP_ADMIN_PASSWORD}",
                f"directory {data}",
                "",
            ]
        )
    )
    port = _free_port()
    uri = f"ldap://127.0.0.1:{port}"
    # -d 0: stay in the foreground (the test owns the process), log nothing.
    process = subprocess.Popen(
        [slapd, "-f", str(config), "-h", f"{uri}/", "-d", "0"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    for _ in range(100):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                break
        if process.poll() is not None:
            raise RuntimeError(f"slapd exited: {process.stderr.read().decode()[-2000:]}")
        time.sleep(0.1)
    entries = "\n\n".join(
        [
            f"dn: {LDAP_SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: partybuild\no: PartyBuild",
            f"dn: ou=people,{LDAP_SUFFIX}\nobjectClass: organizationalUnit\nou: people",
            _person("secretary_a"),
            _person("zhang.wei", employee_number="secretary_b"),
            _person("sysadmin"),
            _person("nobody_here"),
        ]
    )
    subprocess.run(
        ["ldapadd", "-x", "-H", uri, "-D", LDAP_ADMIN_DN, "-w", LDAP_ADMIN_PASSWORD],
        input=entries.encode(),
        check=True,
        capture_output=True,
    )
    return Slapd(uri, process)


def install_ldap(settings, uri: str) -> None:
    settings.LDAP_SERVER_URI = uri
    settings.LDAP_BIND_DN = LDAP_ADMIN_DN
    settings.LDAP_BIND_PASSWORD = LDAP_ADMIN_PASSWORD
    settings.LDAP_USER_SEARCH_BASE = f"ou=people,{LDAP_SUFFIX}"
    settings.LDAP_USER_FILTER = "(uid=%(user)s)"
    backends = [b for b in settings.AUTHENTICATION_BACKENDS if not b.endswith("LDAPBackend")]
    settings.AUTHENTICATION_BACKENDS = [backends[0], "tasks.security.sso.ldap.LDAPBackend", *backends[1:]]
