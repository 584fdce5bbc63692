"""Payment providers: one adapter per channel behind one interface (``base.PaymentProvider``).

The billing services speak only to this interface. The adapters implement each provider's documented
signature and notification format; in the demo and the tests they talk to the payment-provider
simulator (``smartgov paysim``), which speaks the same formats, so nothing here knows it is a simulator.
"""
