"""Authentication like GitHub's: App JWTs (RS256, verified with the App's public key) and installation tokens."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

TOKEN_LIFETIME = 3600
MAX_JWT_LIFETIME = 600  # GitHub refuses App JWTs that expire more than 10 minutes ahead


def generate_key_pair() -> tuple[str, str]:
    """(private PEM, public PEM) of a fresh 2048-bit RSA key, as a GitHub App would have."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    ).decode()
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    return private, public


@dataclass
class Token:
    token: str
    installation_id: int
    expires_at: float

    @property
    def expires_at_iso(self) -> str:
        return datetime.fromtimestamp(self.expires_at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Auth:
    """Verifies credentials and issues installation tokens."""

    def __init__(self, app_id: int, public_key_pem: str) -> None:
        self.app_id = app_id
        self.public_key_pem = public_key_pem
        self.tokens: dict[str, Token] = {}

    def verify_app_jwt(self, credential: str) -> str | None:
        """None when the JWT is valid for this App, else the reason it is not."""
        try:
            claims = jwt.decode(
                credential, self.public_key_pem, algorithms=["RS256"], leeway=60,
                options={"require": ["iat", "exp", "iss"], "verify_iat": False},
            )
        except jwt.PyJWTError as exc:
            return f"A JSON web token could not be decoded ({exc})"
        if str(claims["iss"]) != str(self.app_id):
            return "'Issuer' claim ('iss') must be the App's id"
        if int(claims["exp"]) - time.time() > MAX_JWT_LIFETIME + 60:
            return "'Expiration time' claim ('exp') is too far in the future"
        return None

    def issue(self, installation_id: int) -> Token:
        """A new `ghs_` installation token valid for one hour."""
        token = Token("ghs_" + secrets.token_urlsafe(27)[:36], installation_id, time.time() + TOKEN_LIFETIME)
        self.tokens[token.token] = token
        return token

    def installation_for(self, credential: str) -> int | None:
        """The installation an unexpired installation token belongs to."""
        token = self.tokens.get(credential)
        if token is None or token.expires_at < time.time():
            return None
        return token.installation_id


def credential(header: str | None) -> tuple[str, str] | None:
    """(scheme, credential) of an Authorization header using `Bearer` or `token`."""
    if not header or " " not in header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() not in ("bearer", "token") or not value.strip():
        return None
    return scheme.lower(), value.strip()


def make_app_jwt(app_id: int, private_key_pem: str, lifetime: int = 540) -> str:
    """An App JWT as GitHub documents it (iat 60 s in the past, at most 10 minutes of life); for tests and demos."""
    now = int(time.time())
    return jwt.encode({"iat": now - 60, "exp": now + lifetime, "iss": str(app_id)}, private_key_pem, algorithm="RS256")
