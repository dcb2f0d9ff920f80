"""A Kubernetes API server for tests, on loopback over TLS (a self-signed certificate made here), that
authenticates as EKS does: the bearer token must be `k8s-aws-v1.` + a presigned GetCallerIdentity URL,
which it replays to STS (moto) with the cluster's header; the identity STS answers is the caller. It
answers `GET /api/v1/namespaces/default/pods` with an empty list, for the expected identity only."""

from __future__ import annotations

import base64
import datetime
import http.client
import http.server
import ipaddress
import json
import re
import ssl
import threading
import urllib.parse
from pathlib import Path

from stsui.domain.eks import CLUSTER_HEADER, url_of

PODS = "/api/v1/namespaces/default/pods"
FAILURE = {"kind": "Status", "apiVersion": "v1", "status": "Failure"}
LOOPBACK = ipaddress.ip_address("127.0.0.1")


def self_signed(directory: Path) -> tuple[Path, Path, str]:
    """(certificate file, key file, the certificate as kubeconfig's base64 certificate-authority-data) for
    127.0.0.1, made with `cryptography` (moto's dependency)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "stub-api-server")])
    start = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)  # valid whatever the day: no clock read
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(days=365 * 100))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    pem = certificate.public_bytes(serialization.Encoding.PEM)
    cert_file, key_file = directory / "api.crt", directory / "api.key"
    cert_file.write_bytes(pem)
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_file, key_file, base64.b64encode(pem).decode()


def identity_of(url: str, cluster: str) -> str | None:
    """Replay the presigned `url` as EKS does (GET, with the cluster's header) and return the ARN STS
    answers, or None. moto serves every service on one port and routes by the Authorization header's
    scope, which a presigned URL carries in its query: the replay repeats it in a header for moto."""
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qs(parts.query)
    if query.get("Action") != ["GetCallerIdentity"] or CLUSTER_HEADER not in query.get(
        "X-Amz-SignedHeaders", [""]
    )[0].split(";"):
        return None
    scope = query["X-Amz-Credential"][0]
    headers = {CLUSTER_HEADER: cluster, "Authorization": f"AWS4-HMAC-SHA256 Credential={scope}, Signature=x"}
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    try:
        connection.request("GET", f"{parts.path}?{parts.query}", headers=headers)
        answer = connection.getresponse()
        found = re.search(r"<Arn>([^<]+)</Arn>", answer.read().decode())
    finally:
        connection.close()
    return found.group(1) if answer.status == 200 and found else None


class KubeApi:
    """`with KubeApi(directory, cluster, expected_arn) as api:` … `api.url`, `api.authority`, `api.seen`."""

    def __init__(self, directory: Path, cluster: str, expected_arn: str) -> None:
        self.cluster, self.expected_arn = cluster, expected_arn
        self.seen: list[str | None] = []
        """The identity of each request, None for a token that was refused."""
        cert_file, key_file, self.authority = self_signed(directory)
        api = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                bearer = self.headers.get("Authorization", "")
                url = url_of(bearer.removeprefix("Bearer ")) if bearer.startswith("Bearer ") else None
                who = identity_of(url, api.cluster) if url else None
                api.seen.append(who)
                if who != api.expected_arn:
                    return self._send(401, {**FAILURE, "reason": "Unauthorized", "code": 401})
                if self.path.split("?")[0] != PODS:
                    return self._send(404, {**FAILURE, "reason": "NotFound", "code": 404})
                self._send(200, {"kind": "PodList", "apiVersion": "v1", "metadata": {}, "items": []})

            def _send(self, status: int, body: dict[str, object]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_file, key_file)
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> KubeApi:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()
