"""The hub's TLS: the server context from --tls-cert/--tls-key, and a self-signed pair for trials.

``python -m console.hub.tls make-pair --out DIR [--host NAME ...]`` writes ``ca.pem`` (give it to the
consoles' ``--ca-file``), ``ca.key`` and ``hub.pem``/``hub.key`` (the hub's ``--tls-cert``/``--tls-key``),
made with the ``openssl`` command. For trials only: a real site uses certificates from its own CA.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
from pathlib import Path


class TLSError(RuntimeError):
    """The certificate or key cannot be used, or a pair cannot be made; the message says why."""


def server_context(cert: Path, key: Path) -> ssl.SSLContext:
    """A TLS 1.2+ server context; TLSError when the files are unreadable or do not belong together."""
    for path in (cert, key):
        if not os.access(path, os.R_OK):
            reason = "permission denied" if path.exists() else "no such file"
            raise TLSError(f"cannot read {path}: {reason}")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(cert, key)
    except ssl.SSLError as exc:
        if "KEY_VALUES_MISMATCH" in str(exc) or "key values mismatch" in str(exc):
            raise TLSError(f"the key {key} does not belong to the certificate {cert}") from None
        raise TLSError(f"cannot use {cert} with {key}: {exc.reason or exc}") from None
    return context


def make_pair(out: Path, hosts: list[str], days: int = 365) -> dict[str, Path]:
    """Write a self-signed CA and a hub certificate for ``hosts`` (names or addresses) into ``out``."""
    openssl = shutil.which("openssl")
    if openssl is None:
        raise TLSError("making a certificate pair needs the openssl command (e.g. apt install openssl)")
    out.mkdir(parents=True, exist_ok=True)
    files = {name: out / name for name in ("ca.pem", "ca.key", "hub.pem", "hub.key")}
    old = os.umask(0o077)  # the keys are written owner-only
    try:
        _run(openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", files["ca.key"], "-out", files["ca.pem"], "-days", str(days),
             "-subj", "/CN=ecohub trial CA", "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign")  # fmt: skip
        with tempfile.TemporaryDirectory() as tmp:
            request, extensions = Path(tmp) / "hub.csr", Path(tmp) / "hub.ext"
            _run(openssl, "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                 "-nodes", "-keyout", files["hub.key"], "-out", request,
                 "-subj", f"/CN={hosts[0]}")  # fmt: skip
            extensions.write_text(_extensions(hosts))
            _run(openssl, "x509", "-req", "-in", request, "-CA", files["ca.pem"], "-CAkey", files["ca.key"],
                 "-CAcreateserial", "-CAserial", Path(tmp) / "ca.srl", "-out", files["hub.pem"],
                 "-days", str(days), "-extfile", extensions)  # fmt: skip
    finally:
        os.umask(old)
    files["ca.pem"].chmod(0o644)  # the CA certificate is public: consoles need it
    files["hub.pem"].chmod(0o644)
    return files


def _extensions(hosts: list[str]) -> str:
    names = []
    for host in hosts:
        try:
            names.append(f"IP:{ipaddress.ip_address(host)}")
        except ValueError:
            names.append(f"DNS:{host}")
    return (
        f"subjectAltName={','.join(names)}\n"
        "basicConstraints=critical,CA:FALSE\n"
        "keyUsage=critical,digitalSignature,keyEncipherment\n"
        "extendedKeyUsage=serverAuth\n"
    )


def _run(*cmd: str | Path) -> None:
    done = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise TLSError(f"openssl failed: {done.stderr.strip()[-400:]}")


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m console.hub.tls", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)
    pair = sub.add_parser("make-pair", help="write a self-signed CA and a hub certificate for trials")
    pair.add_argument("--out", type=Path, required=True, help="directory to write into")
    pair.add_argument(
        "--host", action="append", help="name or address consoles use for the hub (repeat; default localhost)"
    )
    pair.add_argument("--days", type=int, default=365, help="validity in days (default 365)")
    args = p.parse_args(argv)
    hosts = args.host or ["localhost", "127.0.0.1", "::1"]
    try:
        files = make_pair(args.out, hosts, args.days)
    except TLSError as exc:
        raise SystemExit(str(exc)) from None
    print(f"hub:      --tls-cert {files['hub.pem']} --tls-key {files['hub.key']}")
    print(f"consoles: --ca-file {files['ca.pem']}   (names: {', '.join(hosts)})")
    print(f"keep {files['ca.key']} private (it can sign more certificates), or delete it", file=sys.stderr)


if __name__ == "__main__":
    main()
