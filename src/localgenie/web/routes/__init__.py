"""HTTP routes, one module per app: JSON API under /api, server-rendered pages beside it."""
