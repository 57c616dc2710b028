"""The house's signature on deletion certificates: PAdES signing and checking of PDFs with pyHanko.

Threat model. A certificate travels: the client files it, shows it to its own auditor or to the Dutch
DPA. Anyone on the way could alter the PDF (a date, a file name). A PAdES signature over the whole
file lets any PDF reader show that the document is unchanged since the house signed it; ``verwerker
certificate verify`` checks the same and, in addition, that the signer is this house's key and that
the embedded certificate JSON is the one recorded in the hash-chained audit log.

Invariants. The signing key never leaves the data directory: it is a PEM file created once with mode
0600 (O_EXCL, as the master key), or the house's own key named by VERWERKER_SIGNING_KEY_FILE with its
certificate in VERWERKER_SIGNING_CERT_FILE. When neither file exists, a self-signed certificate for
the house's name is generated beside the key (valid ten years); a house that wants readers to trust
the signature without a manual step installs a certificate issued by a CA (an AATL or eIDAS one).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import io
import os
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from verwerker.lib.keys import ensure_private_dir

SIGNATURE_FIELD = "Vernietigingsverklaring"


class SignatureInvalid(Exception):
    """The PDF carries no valid signature of this house, or was changed after signing."""


def _paths() -> tuple[Path, Path]:
    return Path(settings.SIGNING_KEY_FILE), Path(settings.SIGNING_CERT_FILE)


def ensure_signing_key() -> tuple[Path, Path]:
    """The (key, certificate) PEM files; on first use, a new key (mode 0600) and a self-signed certificate.

    Two processes starting at once agree on one key: the key file is created with O_EXCL, and a
    process that loses the race waits for the winner's certificate. Raises ValueError for a key
    file without its certificate (a half-configured house key is not replaced silently).
    """
    key_path, cert_path = _paths()
    if key_path.exists() and cert_path.exists():
        return key_path, cert_path
    if key_path.exists():
        raise ValueError(f"the signing key {key_path} has no certificate at {cert_path}")
    from cryptography.hazmat.primitives import serialization  # deferred: a heavy import
    from cryptography.hazmat.primitives.asymmetric import rsa  # deferred: a heavy import

    ensure_private_dir(key_path.parent)
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    try:
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _wait_for(key_path, cert_path)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    tmp = cert_path.with_name(cert_path.name + ".partial")
    tmp.write_bytes(_self_signed(key))
    os.replace(tmp, cert_path)
    return key_path, cert_path


def _wait_for(key_path: Path, cert_path: Path) -> tuple[Path, Path]:
    for _ in range(100):
        if cert_path.exists():
            return key_path, cert_path
        time.sleep(0.05)
    raise ValueError(f"the signing key {key_path} has no certificate at {cert_path}")


def _self_signed(key) -> bytes:
    from cryptography import x509  # deferred: a heavy import
    from cryptography.hazmat.primitives import hashes, serialization  # deferred: a heavy import
    from cryptography.x509.oid import NameOID  # deferred: a heavy import

    name = x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, f"{settings.HOUSE_NAME} — vernietigingsverklaringen"[:64]),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, settings.HOUSE_NAME[:64]),
    ])
    now = dt.datetime.now(dt.UTC)
    usage = x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                          data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
                          encipher_only=False, decipher_only=False)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM)


def _signer():
    from pyhanko.sign import signers  # deferred: a heavy import

    key_path, cert_path = ensure_signing_key()
    signer = signers.SimpleSigner.load(str(key_path), str(cert_path))
    if signer is None:
        raise ValueError(f"the signing key {key_path} or its certificate {cert_path} cannot be loaded")
    return signer


def _outside_any_event_loop(fn, *args, **kwargs):
    """pyHanko's synchronous API runs an event loop of its own (asyncio.run), which fails in a thread
    that already runs one (the SFTP server's, or a test's browser driver): there it runs on a thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fn(*args, **kwargs)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn, *args, **kwargs).result()


def sign_pdf(pdf: bytes, *, reason: str) -> bytes:
    """``pdf`` with a PAdES baseline signature (B-B) of the house over the whole file."""
    return _outside_any_event_loop(_sign_pdf, pdf, reason=reason)


def _sign_pdf(pdf: bytes, *, reason: str) -> bytes:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter  # deferred: a heavy import
    from pyhanko.sign import fields, signers  # deferred: a heavy import

    meta = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD, subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256",
        reason=reason, location=settings.HOUSE_NAME, name=settings.HOUSE_NAME,
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    return signers.sign_pdf(writer, meta, signer=_signer()).getvalue()


@dataclass(frozen=True)
class SignatureCheck:
    signer: str
    certificate_sha256: str
    signed_at: str


def check_pdf_signature(pdf: bytes, *, source: str) -> SignatureCheck:
    """Check that ``pdf`` is signed by this house's key and unchanged since. Raises SignatureInvalid."""
    from pyhanko.pdf_utils.misc import PdfReadError  # deferred: a heavy import
    from pyhanko.pdf_utils.reader import PdfFileReader  # deferred: a heavy import
    from pyhanko.sign.validation import validate_pdf_signature  # deferred: a heavy import
    from pyhanko.sign.validation.status import SignatureCoverageLevel  # deferred: a heavy import
    from pyhanko_certvalidator import ValidationContext  # deferred: a heavy import

    house = _signer().signing_cert
    try:
        signatures = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures
    except (PdfReadError, ValueError, KeyError, IndexError) as exc:
        raise SignatureInvalid(f"{source}: not a readable PDF ({type(exc).__name__})") from None
    if not signatures:
        raise SignatureInvalid(f"{source}: the PDF carries no signature")
    try:
        status = _outside_any_event_loop(validate_pdf_signature, signatures[0], ValidationContext(trust_roots=[house]))
    except Exception as exc:  # a mangled signature dictionary must end in one line, not a traceback
        raise SignatureInvalid(f"{source}: the signature cannot be checked ({type(exc).__name__})") from None
    if not (status.intact and status.valid):
        raise SignatureInvalid(f"{source}: the PDF was altered after it was signed (signature does not match)")
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        raise SignatureInvalid(f"{source}: the PDF was changed after signing (content added after the signature)")
    if status.signing_cert.sha256 != house.sha256:
        raise SignatureInvalid(
            f"{source}: signed by {status.signing_cert.subject.human_friendly}, not by this house's key"
        )
    signed_at = status.signer_reported_dt.isoformat(timespec="minutes") if status.signer_reported_dt else ""
    return SignatureCheck(status.signing_cert.subject.human_friendly, house.sha256.hex(), signed_at)
