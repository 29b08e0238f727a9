"""The staff web console: accounts, the live queue, cases and the audit log, in a browser."""
