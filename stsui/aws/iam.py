"""The IAM calls of `stsui keys rotate` (CreateAccessKey, DeleteAccessKey, ListAccessKeys) on boto3: a
rotation is rare, so boto3's import does not matter. Bounded like every STS call (`stsui.aws.limits`); the
endpoint is botocore's (`AWS_ENDPOINT_URL_IAM`, `AWS_ENDPOINT_URL`, else the partition's global IAM)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar

import boto3
import botocore.exceptions as bce
from botocore.parsers import ResponseParserError

from stsui.aws.bounded import AnswerTooLarge, DeadlinePassed, cap_answers, within_deadline
from stsui.aws.errors import MalformedResponse, translate
from stsui.aws.gateway import _client_config
from stsui.aws.messages import answer_too_large, timed_out
from stsui.domain.console import PARTITIONS
from stsui.domain.model import AccessKey, Credentials

T = TypeVar("T")


def _region(partition: str) -> str:
    """IAM is global: its calls are signed for the partition's first region."""
    where = PARTITIONS.get(partition)
    return where.default_region if where is not None else "us-east-1"


class BotoIam:
    """Implements `stsui.engine.gateway.IamGateway`."""

    def _client(self, caller: Credentials | AccessKey, partition: str) -> Any:
        return cap_answers(
            boto3.session.Session().client(
                "iam",
                region_name=_region(partition),
                aws_access_key_id=caller.access_key_id,
                aws_secret_access_key=caller.secret_access_key,
                aws_session_token=getattr(caller, "session_token", None),
                config=_client_config(),
            )
        )

    @staticmethod
    def _endpoint(client: Any) -> str:
        return os.environ.get("AWS_ENDPOINT_URL_IAM") or str(getattr(client.meta, "endpoint_url", "IAM"))

    def _call(self, what: str, client: Any, call: Callable[[Any], Any], read: Callable[[Any], T]) -> T:
        try:
            answer = within_deadline(lambda: call(client))
        except DeadlinePassed:
            raise timed_out(what, self._endpoint(client)) from None
        except AnswerTooLarge:
            raise answer_too_large(what, self._endpoint(client)) from None
        except (bce.BotoCoreError, bce.ClientError, ResponseParserError) as error:
            raise translate(error, what, self._endpoint(client)) from None
        try:
            return read(answer)
        except (KeyError, TypeError, ValueError):
            raise translate(MalformedResponse(), what, self._endpoint(client)) from None

    @staticmethod
    def _user(user_name: str | None) -> dict[str, str]:
        """IAM acts on the caller's own user when UserName is left out (the only way for root keys)."""
        return {} if user_name is None else {"UserName": user_name}

    def create_access_key(
        self, *, caller: Credentials | AccessKey, user_name: str | None, partition: str, name: str
    ) -> AccessKey:
        return self._call(
            f"CreateAccessKey for IAM user '{user_name or 'root'}'",
            self._client(caller, partition),
            lambda client: client.create_access_key(**self._user(user_name)),
            lambda answer: AccessKey(
                name, str(answer["AccessKey"]["AccessKeyId"]), str(answer["AccessKey"]["SecretAccessKey"])
            ),
        )

    def delete_access_key(
        self, *, caller: Credentials | AccessKey, user_name: str | None, partition: str, access_key_id: str
    ) -> None:
        self._call(
            f"DeleteAccessKey of {access_key_id}",
            self._client(caller, partition),
            lambda client: client.delete_access_key(AccessKeyId=access_key_id, **self._user(user_name)),
            lambda answer: None,
        )

    def list_access_keys(
        self, *, caller: Credentials | AccessKey, user_name: str | None, partition: str
    ) -> list[str]:
        return self._call(
            f"ListAccessKeys for IAM user '{user_name or 'root'}'",
            self._client(caller, partition),
            lambda client: client.list_access_keys(**self._user(user_name)),
            lambda answer: [str(key["AccessKeyId"]) for key in answer["AccessKeyMetadata"]],
        )
