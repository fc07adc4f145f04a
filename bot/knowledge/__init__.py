"""The knowledge layer: staff-edited files under knowledge/, validated and loaded into SQL, read by the bot."""
from bot.knowledge.loader import KnowledgeValidationError, load_knowledge, read_knowledge
from bot.knowledge.repository import KnowledgeBase, KnowledgeStats

__all__ = ["KnowledgeBase", "KnowledgeStats", "KnowledgeValidationError", "load_knowledge", "read_knowledge"]
