"""Which client networks may use the Wyoming port (CIDR allow-list; empty = everyone)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class AllowList:
    networks: tuple[Network, ...] = ()

    @classmethod
    def parse(cls, networks: Iterable[str] | None) -> AllowList:
        """From CIDR strings ("192.168.1.0/24", "::1/128", a bare address = one host).

        Raises ValueError naming the first malformed entry.
        """
        parsed: list[Network] = []
        for text in networks or ():
            try:
                parsed.append(ipaddress.ip_network(text.strip(), strict=False))
            except ValueError as error:
                raise ValueError(f"not a network in CIDR form: {text!r}") from error
        return cls(tuple(parsed))

    @property
    def allows_all(self) -> bool:
        return not self.networks

    def allows(self, peer: str | None) -> bool:
        """Whether a client at address `peer` may connect.

        None stands for a peer without an IP address (a unix socket), which is local and
        always allowed. IPv4 clients seen on an IPv6 socket (::ffff:a.b.c.d) match IPv4
        networks.
        """
        if self.allows_all or peer is None:
            return True
        try:
            address = ipaddress.ip_address(peer.split("%", 1)[0])
        except ValueError:
            return False
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        return any(address in network for network in self.networks)
