"""OAuth installations with their tokens encrypted at rest (HEALTHBOT_ENCRYPTION_KEY, docs/security.md).

The key is a Fernet key: 32 random bytes, URL-safe base64, made by

    python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"

Values are sealed with AES-256-GCM under that key rather than as Fernet tokens: a Fernet token of an
81-character incoming-webhook URL is 211 characters, more than slack_sdk's VARCHAR(200) columns hold
on PostgreSQL, while AES-GCM adds 28 bytes and no padding (values up to 116 bytes fit).
A sealed value reads `enc:v1:<base64>`; a value without that prefix is plaintext written before the
key was set, and still loads.
"""

from __future__ import annotations

import base64
import binascii
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import SecretStr
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from sqlalchemy import Column, Dialect, Engine, String, Table, TypeDecorator, update

PREFIX = "enc:v1:"
# Every column of slack_sdk's two tables that holds a credential.
SECRET_COLUMNS = ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token", "incoming_webhook_url")
MAKE_KEY = 'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
_NONCE_BYTES = 12


class EncryptionKeyError(ValueError):
    """HEALTHBOT_ENCRYPTION_KEY is not a usable key; the message says how to make one."""


class TokenDecryptError(RuntimeError):
    """A stored token was sealed under another key (the message never includes it)."""


class TokenCipher:
    """Seals and opens stored credentials; the column name is bound in, so a value cannot move columns."""

    def __init__(self, key: str) -> None:
        try:
            raw = base64.urlsafe_b64decode(key.strip().encode("ascii"))
        except (binascii.Error, UnicodeEncodeError, ValueError):
            raw = b""
        if len(raw) != 32:
            # The key itself is never echoed: a near-miss of the real key is still a secret.
            raise EncryptionKeyError(
                "HEALTHBOT_ENCRYPTION_KEY is not a Fernet key (32 bytes, URL-safe base64); make one with: " + MAKE_KEY
            )
        self._aead = AESGCM(raw)

    def seal(self, value: str, column: str) -> str:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = nonce + self._aead.encrypt(nonce, value.encode(), column.encode())
        return PREFIX + base64.urlsafe_b64encode(sealed).decode().rstrip("=")

    def open(self, stored: str, column: str) -> str:
        if not stored.startswith(PREFIX):
            return stored  # written before the key was set
        data = base64.urlsafe_b64decode(stored[len(PREFIX) :] + "=" * (-len(stored) % 4))
        try:
            return self._aead.decrypt(data[:_NONCE_BYTES], data[_NONCE_BYTES:], column.encode()).decode()
        except InvalidTag:
            raise TokenDecryptError(
                f"a stored Slack credential ({column}) was encrypted under another HEALTHBOT_ENCRYPTION_KEY: "
                "restore that key, or reinstall the app in the workspace"
            ) from None


class _Sealed(TypeDecorator[str]):
    """A credential column: sealed on the way in, opened on the way out (without a cipher: plaintext)."""

    impl = String
    cache_ok = True

    def __init__(self, cipher: TokenCipher | None, column: str, length: int | None) -> None:
        super().__init__(length)
        # Named as the arguments: SQLAlchemy's statement cache keys on them.
        self.cipher = cipher
        self.column = column
        self.length = length

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None or self.cipher is None:
            return None if value is None else str(value)
        sealed = self.cipher.seal(str(value), self.column)
        if self.length is not None and len(sealed) > self.length:
            # SQLite would store it anyway and PostgreSQL refuse it: refuse on both, and say why.
            raise ValueError(
                f"{self.column} is too long to store encrypted ({len(sealed)} > {self.length} characters); "
                "token rotation's long tokens need wider columns (a migration)"
            )
        return sealed

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if self.cipher is None:
            if str(value).startswith(PREFIX):
                # Sent to Slack as it is, it would only come back as invalid_auth.
                raise TokenDecryptError(
                    f"a stored Slack credential ({self.column}) is encrypted: set HEALTHBOT_ENCRYPTION_KEY to its key"
                )
            return str(value)
        return self.cipher.open(str(value), self.column)


class EncryptedInstallationStore(SQLAlchemyInstallationStore):
    """slack_sdk's SQLAlchemy store; with a key, its credential columns are encrypted.

    The encryption sits in the columns' type, so every read and write the parent makes (save,
    save_bot, find_bot, find_installation and the comparisons between them) sees plaintext in Python
    and ciphertext in the row. Without a key it is the plain store, except that it refuses to hand
    out a value it finds encrypted (the key was unset after tokens were sealed).
    """

    def __init__(self, *, client_id: str, engine: Engine, key: SecretStr | None = None) -> None:
        super().__init__(client_id=client_id, engine=engine)
        cipher = TokenCipher(key.get_secret_value()) if key is not None else None
        for table in (self.bots, self.installations):
            _seal_columns(table, cipher)

    def delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        """The bot's rows, and its token on the installations too (`tokens_revoked` for the bot).

        slack_sdk deletes only the bot rows, but an installation row keeps a copy of the bot token,
        which find_installation (what Bolt authorizes with) would go on returning.
        """
        super().delete_bot(enterprise_id=enterprise_id, team_id=team_id)
        c = self.installations.c
        with self.engine.begin() as conn:
            conn.execute(
                update(self.installations)
                .where(c.client_id == self.client_id, c.enterprise_id == enterprise_id, c.team_id == team_id)
                .values(bot_token=None, bot_refresh_token=None, bot_token_expires_at=None)
            )


def _seal_columns(table: Table, cipher: TokenCipher | None) -> None:
    # The tables belong to this store's own MetaData, so replacing their columns touches nothing else.
    replaced: list[Column[str]] = [
        Column(name, _Sealed(cipher, name, getattr(table.c[name].type, "length", None)))
        for name in SECRET_COLUMNS
        if name in table.c
    ]
    Table(table.name, table.metadata, *replaced, extend_existing=True)
