"""Kept for importers: the conversation engine now lives in ``handlers.conversation``."""

from handlers.conversation.dialogue import EXIT_WORDS, MAX_INPUT
from handlers.conversation.engine import Engine, EngineConfig
from handlers.conversation.state import State

__all__ = ["EXIT_WORDS", "MAX_INPUT", "Engine", "EngineConfig", "State"]
