"""The server's operations side: metrics, health, system figures, access roles and tokens,
the client allow-list, TLS and the HTTP operations API."""
