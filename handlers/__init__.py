"""The conversation: flow, triage, screening and the message catalogue. No channel code."""
