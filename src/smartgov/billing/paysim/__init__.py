"""The payment-provider simulator (``smartgov paysim``).

A small standalone WSGI application that plays Alipay, WeChat Pay, UnionPay and a bank at once, in
their own message formats and with their own signatures: it holds the *provider* keys, our adapters
hold the *merchant* keys, and neither side shares code with the other beyond the signature
primitives. It keeps its state in SQLite under ``SMARTGOV_DATA_DIR/paysim`` and imports nothing of
Django or of our models, so it runs as its own process like a real provider would.

- ``keys``: demo key pairs for both sides, written under the data dir on first run.
- ``store``: trades, refunds, deliveries and bank transfers in SQLite.
- ``channels/``: one module per provider: its API, notification and statement formats.
- ``notifier``: signed asynchronous notifications with retries, backoff, duplicates and reordering.
- ``app``: the WSGI application (APIs, hosted checkout pages, statement downloads).
- ``server``: serving it (a thread for tests, a process for ``smartgov paysim``).
"""
