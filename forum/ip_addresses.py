"""IP addresses kept beside what members do, and their retention (forum.privacy's job).

:func:`network_of` is the truncation every domain applies (IPv4 /24, IPv6 /48: the network
kept for abuse patterns, the member's own address gone); :func:`purge_addresses` is the one
statement shape each domain's ``StoredAddresses`` contribution runs on its own table.
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from forum.extensions import db

IPV4_PREFIX = 24
IPV6_PREFIX = 48
BATCH = 500


def network_of(address: str) -> str | None:
    """The address with its host part zeroed ("203.0.113.77" -> "203.0.113.0"); None for text
    that is not an address (nothing personal survives a value we cannot read)."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    prefix = IPV4_PREFIX if ip.version == 4 else IPV6_PREFIX
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False).network_address)


def purge_addresses(table: Any, address: Any, when: Any, before: datetime, *, truncate: bool) -> int:
    """In the caller's transaction: the rows of ``table`` older than ``before`` (column
    ``when``) get their ``address`` column truncated to its network, or set to None. Core
    statements on the table (an append-only model such as the audit log refuses ORM updates).
    Idempotent: a truncated address is its own network, so it is not counted again."""
    old = (when < before, address.is_not(None))
    if not truncate:
        result = db.session.execute(update(table).where(*old).values({address.name: None}))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
    key = table.primary_key.columns.values()[0]
    changes: dict[str | None, list[Any]] = defaultdict(list)
    for row_id, value in db.session.execute(select(key, address).where(*old)):
        network = network_of(str(value))
        if network != value:
            changes[network].append(row_id)
    for network, ids in changes.items():
        for start in range(0, len(ids), BATCH):
            db.session.execute(update(table).where(key.in_(ids[start:start + BATCH]))
                               .values({address.name: network}))
    return sum(len(ids) for ids in changes.values())
