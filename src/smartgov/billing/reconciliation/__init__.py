"""Settlement statements matched against payments, differences resolved with a reason, days closed;
collections and ageing reports. A Django app of its own inside billing, so that its tables and
migrations stand apart from the bills and payments ones."""
