"""The conversation core: a typed table of steps (``steps``), the dialogue policy (``dialogue``),
rendering of cards and hotline lists (``render``) and the engine that runs one event at a time
(``engine``). ``handlers.flow`` re-exports ``Engine`` and ``EngineConfig`` for older imports."""

from handlers.conversation.engine import Engine, EngineConfig

__all__ = ["Engine", "EngineConfig"]
