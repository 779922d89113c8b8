"""WeCom (企业微信) and DingTalk (钉钉) web login: their OAuth2 authorisation-code exchanges.

Both answer a login with a one-time `code` sent to our callback; the server trades it for the user's id. The API
bases are settings, since private deployments (企业微信私有化, 专属钉钉) run their own servers. Application
access tokens live two hours and both platforms rate-limit asking for them, so they are kept in the cache.
"""

from urllib.parse import urlencode

import requests
from django.conf import settings
from django.core.cache import cache

from tasks.security.sso.accounts import SSORefusal

# Renewed this long before the platform says it expires, so that a token never expires between two calls.
TOKEN_MARGIN_SECONDS = 300
# WeCom: the access token was revoked or expired early (a secret was reset): fetch a new one once.
WECOM_TOKEN_ERRORS = {40014, 42001}


def _get_json(method: str, url: str, **kwargs) -> dict:
    try:
        response = requests.request(method, url, timeout=settings.SSO_HTTP_TIMEOUT, **kwargs)
    except requests.RequestException as exc:
        raise SSORefusal("provider_error", detail=f"{type(exc).__name__}: {exc}") from exc
    try:
        body = response.json()
    except ValueError:
        raise SSORefusal("provider_error", detail=f"HTTP {response.status_code}, not JSON") from None
    if response.status_code >= 400 and not body.get("errcode"):
        raise SSORefusal("provider_error", detail=f"HTTP {response.status_code}: {body.get('message', '')}"[:300])
    return body


def _app_token(key: str, url: str, params: dict, *, fresh: bool = False) -> str:
    """The app's access token from a platform's gettoken, cached (under `key`) until shortly before it expires;
    `fresh` asks the platform again."""
    token = None if fresh else cache.get(key)
    if token:
        return token
    body = _get_json("GET", url, params=params)
    if body.get("errcode") or not body.get("access_token"):
        raise SSORefusal("provider_error", detail=f"gettoken errcode {body.get('errcode')}: {body.get('errmsg', '')}")
    lifetime = int(body.get("expires_in") or 7200) - TOKEN_MARGIN_SECONDS
    cache.set(key, body["access_token"], max(lifetime, 60))
    return body["access_token"]


def is_wecom_client(request) -> bool:
    """Inside the WeCom app (its user agent says wxwork) the login is silent; in a browser it shows a QR code."""
    return "wxwork" in request.headers.get("User-Agent", "").lower()


def is_dingtalk_client(request) -> bool:
    return "dingtalk" in request.headers.get("User-Agent", "").lower()


# --- WeCom ------------------------------------------------------------------------------------------------------


def wecom_authorize_url(request, *, redirect_uri: str, state: str) -> str:
    if is_wecom_client(request):
        query = urlencode(
            {
                "appid": settings.WECOM_CORP_ID,
                "redirect_uri": redirect_uri,
                "response_type": "code",
                "scope": "snsapi_base",
                "state": state,
                "agentid": settings.WECOM_AGENT_ID,
            }
        )
        return f"{settings.WECOM_AUTHORIZE_URL}?{query}#wechat_redirect"
    query = urlencode(
        {
            "login_type": "CorpApp",
            "appid": settings.WECOM_CORP_ID,
            "agentid": settings.WECOM_AGENT_ID,
            "redirect_uri": redirect_uri,
            "state": state,
        }
    )
    return f"{settings.WECOM_QR_LOGIN_URL}?{query}"


def _wecom_token(*, fresh: bool = False) -> str:
    return _app_token(
        f"sso:wecom:token:{settings.WECOM_CORP_ID}:{settings.WECOM_AGENT_ID}",
        f"{settings.WECOM_API_BASE.rstrip('/')}/cgi-bin/gettoken",
        {"corpid": settings.WECOM_CORP_ID, "corpsecret": settings.WECOM_SECRET},
        fresh=fresh,
    )


def wecom_user_id(code: str) -> str:
    """The member's userid (成员UserID) for a login code. A visitor who is not a member of the corporation has
    none (only an openid): nothing to map to an account."""
    url = f"{settings.WECOM_API_BASE.rstrip('/')}/cgi-bin/auth/getuserinfo"
    body = _get_json("GET", url, params={"access_token": _wecom_token(), "code": code})
    if body.get("errcode") in WECOM_TOKEN_ERRORS:
        body = _get_json("GET", url, params={"access_token": _wecom_token(fresh=True), "code": code})
    if body.get("errcode"):
        raise SSORefusal(
            "provider_error", detail=f"getuserinfo errcode {body.get('errcode')}: {body.get('errmsg', '')}"
        )
    user_id = body.get("userid") or body.get("UserId") or ""
    if not user_id:
        raise SSORefusal("no_account", external_id=str(body.get("openid") or body.get("OpenId") or ""))
    return user_id


# --- DingTalk ---------------------------------------------------------------------------------------------------


def dingtalk_authorize_url(request, *, redirect_uri: str, state: str) -> str:
    query = urlencode(
        {
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "client_id": settings.DINGTALK_CLIENT_ID,
            "scope": "openid",
            "state": state,
            "prompt": "consent",
        }
    )
    return f"{settings.DINGTALK_LOGIN_URL}?{query}"


def _dingtalk_app_token() -> str:
    return _app_token(
        f"sso:dingtalk:token:{settings.DINGTALK_CLIENT_ID}",
        f"{settings.DINGTALK_OAPI_BASE.rstrip('/')}/gettoken",
        {"appkey": settings.DINGTALK_CLIENT_ID, "appsecret": settings.DINGTALK_CLIENT_SECRET},
    )


def dingtalk_identity(code: str) -> str:
    """The value of DINGTALK_USERNAME_CLAIM for a login code: the staff userid (looked up by the unionId the login
    gives) or a field of the user's own profile."""
    api = settings.DINGTALK_API_BASE.rstrip("/")
    body = _get_json(
        "POST",
        f"{api}/v1.0/oauth2/userAccessToken",
        json={
            "clientId": settings.DINGTALK_CLIENT_ID,
            "clientSecret": settings.DINGTALK_CLIENT_SECRET,
            "code": code,
            "grantType": "authorization_code",
        },
    )
    user_token = body.get("accessToken")
    if not user_token:
        raise SSORefusal("provider_error", detail=f"userAccessToken: {body.get('code', '')} {body.get('message', '')}")
    profile = _get_json("GET", f"{api}/v1.0/contact/users/me", headers={"x-acs-dingtalk-access-token": user_token})
    claim = settings.DINGTALK_USERNAME_CLAIM
    if claim != "userid":
        return str(profile.get(claim) or "")
    union_id = profile.get("unionId")
    if not union_id:
        raise SSORefusal("no_identity")
    found = _get_json(
        "POST",
        f"{settings.DINGTALK_OAPI_BASE.rstrip('/')}/topapi/user/getbyunionid",
        params={"access_token": _dingtalk_app_token()},
        json={"unionid": union_id},
    )
    user_id = (found.get("result") or {}).get("userid")
    if found.get("errcode") or not user_id:
        # 60121: not a member of this organisation (a personal DingTalk account).
        if found.get("errcode") == 60121:
            raise SSORefusal("no_account", external_id=union_id)
        raise SSORefusal(
            "provider_error", detail=f"getbyunionid errcode {found.get('errcode')}: {found.get('errmsg', '')}"
        )
    return user_id
