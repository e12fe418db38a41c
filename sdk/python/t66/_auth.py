"""``client.auth``: register, log in, log out, refresh. The client keeps the token it gets."""

from __future__ import annotations

from typing import Any, Dict, Optional

from ._transport import Transport


class Auth:
    def __init__(self, transport: Transport) -> None:
        self._t = transport

    def _keep(self, answer: Dict[str, Any]) -> Dict[str, Any]:
        self._t.session.set_token(answer["token"], owned=True)
        return answer

    def register(self, email: str, password: str, name: Optional[str] = None) -> Dict[str, Any]:
        """Creates the user and keeps the token. Answers ``{"user": {...}, "token": ...}``."""
        body = {"email": email, "password": password}
        if name is not None:
            body["name"] = name
        return self._keep(self._t.request("POST", "/auth/register", json_body=body, auth=False))

    def login(self, email: str, password: str) -> Dict[str, Any]:
        """Logs in and keeps the token. Answers ``{"user": {...}, "token": ...}``."""
        return self._keep(self._t.request("POST", "/auth/login", json_body={"email": email, "password": password}, auth=False))

    def logout(self) -> None:
        """Revokes the current token on the server and forgets it."""
        self._t.request("POST", "/auth/logout", auth=self._t.session.token or False)
        self._t.session.set_token(None, owned=False)

    def refresh(self) -> Dict[str, Any]:
        """Exchanges the token for a fresh one (the old one stops working) and keeps the new one."""
        return self._keep(self._t.request("POST", "/auth/refresh", auth=self._t.session.token or False))

    def auth_with_password(self, identity: str, password: str) -> Dict[str, Any]:
        """PocketBase's form of login (``identity`` is the email); keeps the token. Answers ``{"token", "record"}``."""
        body = {"identity": identity, "password": password}
        return self._keep(self._t.request("POST", "/collections/users/auth-with-password", json_body=body, auth=False))

    def auth_refresh(self) -> Dict[str, Any]:
        """PocketBase's form of refresh; keeps the new token."""
        return self._keep(self._t.request("POST", "/collections/users/auth-refresh", auth=self._t.session.token or False))


def rotate_token(transport: Transport, old_token: str) -> str:
    """The refresh the session runs by itself when the token is about to expire."""
    answer = transport.request("POST", "/auth/refresh", auth=old_token)
    transport.session.set_token(answer["token"], owned=True)
    return answer["token"]
