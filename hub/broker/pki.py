"""The deployment's small PKI for the broker's field listener.

`hub init` creates a CA (EC P-256) and the broker's server certificate; `provision-kit` issues each kit a
client certificate whose common name is the kit id (a copy stays in `pki/issued/`, and `revoke-kit` lists
them in `pki/crl.pem`, the listener's `crlfile`). Mosquitto's `use_identity_as_username` then makes
that name the MQTT username, so the ACL's `%u` pins a kit to its own topics without any password on the
SD card. Private keys are written 0600 and never leave the folder they are made for.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from protocol.keys import write_private

VALID_DAYS = 825


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Lockwarden"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _key_pem(key: ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)


def ensure_ca(folder: Path) -> tuple[Path, Path]:
    cert_path, key_path = folder / "ca.crt", folder / "ca.key"
    if cert_path.exists() and key_path.exists():
        return cert_path, key_path
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(_name("Lockwarden broker CA")).issuer_name(_name("Lockwarden broker CA"))
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(_now()).not_valid_after(_now() + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False, key_agreement=False,
                                         encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    write_private(key_path, _key_pem(key).strip())
    folder.mkdir(parents=True, exist_ok=True)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path


def issue(ca_folder: Path, common_name: str, out_dir: Path, *, server: bool = False,
          hosts: tuple[str, ...] = ("localhost", "127.0.0.1")) -> tuple[Path, Path]:
    ca_cert_path, ca_key_path = ensure_ca(ca_folder)
    ca_cert = x509.load_pem_x509_certificate(ca_cert_path.read_bytes())
    ca_key = serialization.load_pem_private_key(ca_key_path.read_bytes(), password=None)
    assert isinstance(ca_key, ec.EllipticCurvePrivateKey)
    key = ec.generate_private_key(ec.SECP256R1())
    builder = (x509.CertificateBuilder().subject_name(_name(common_name)).issuer_name(ca_cert.subject)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(_now()).not_valid_after(_now() + dt.timedelta(days=VALID_DAYS))
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH if server
                                                     else ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False))
    if server:
        alt: list[x509.GeneralName] = []
        for h in hosts:
            try:
                alt.append(x509.IPAddress(ipaddress.ip_address(h)))
            except ValueError:
                alt.append(x509.DNSName(h))
        builder = builder.add_extension(x509.SubjectAlternativeName(alt), critical=False)
    cert = builder.sign(ca_key, hashes.SHA256())
    out_dir.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = out_dir / f"{common_name}.crt", out_dir / f"{common_name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    write_private(key_path, _key_pem(key).strip())
    if server:  # read by Mosquitto, which runs as its own account in the hub's group
        key_path.chmod(0o640)
    else:  # the hub keeps every client certificate it issued, so revocation can list them all
        issued = ca_folder / "issued"
        issued.mkdir(parents=True, exist_ok=True)
        (issued / f"{common_name}.{cert.serial_number:x}.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path


def issued_to(ca_folder: Path, common_name: str) -> list[Path]:
    """Every client certificate issued to `common_name` (kept by `issue`)."""
    return sorted((ca_folder / "issued").glob(f"{common_name}.*.crt"))


CRL_DAYS = 3650


def _ca(ca_folder: Path) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    ca_cert_path, ca_key_path = ensure_ca(ca_folder)
    ca_key = serialization.load_pem_private_key(ca_key_path.read_bytes(), password=None)
    assert isinstance(ca_key, ec.EllipticCurvePrivateKey)
    return x509.load_pem_x509_certificate(ca_cert_path.read_bytes()), ca_key


def crl_path(ca_folder: Path) -> Path:
    return ca_folder / "crl.pem"


def revoked_serials(ca_folder: Path) -> set[int]:
    path = crl_path(ca_folder)
    if not path.exists():
        return set()
    crl = x509.load_pem_x509_crl(path.read_bytes())
    return {r.serial_number for r in crl}


def ensure_crl(ca_folder: Path) -> Path:
    """The CA's revocation list (created empty): Mosquitto's `crlfile` must exist for the listener to start."""
    path = crl_path(ca_folder)
    if not path.exists():
        write_crl(ca_folder, set())
    return path


def write_crl(ca_folder: Path, serials: set[int]) -> Path:
    """Sign and write the CRL listing `serials`. Long-lived (CRL_DAYS): Mosquitto refuses every client once a
    CRL's nextUpdate has passed, and a field hub must not lock its kits out because nobody re-signed it."""
    ca_cert, ca_key = _ca(ca_folder)
    now = _now()
    builder = (x509.CertificateRevocationListBuilder().issuer_name(ca_cert.subject)
               .last_update(now).next_update(now + dt.timedelta(days=CRL_DAYS)))
    for serial in sorted(serials):
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(now).build())
    crl = builder.sign(ca_key, hashes.SHA256())
    path = crl_path(ca_folder)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(crl.public_bytes(serialization.Encoding.PEM))
    tmp.replace(path)
    return path


def serial_of(cert_file: Path) -> int:
    return int(x509.load_pem_x509_certificate(cert_file.read_bytes()).serial_number)


def expiry(cert_file: Path) -> dt.datetime:
    return x509.load_pem_x509_certificate(cert_file.read_bytes()).not_valid_after_utc
