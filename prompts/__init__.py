"""Versioned prompt templates, validated when loaded."""

from dalil.prompts.loader import REQUIRED_PROMPTS, PromptError, Prompts, PromptTemplate, load_prompts

__all__ = ["REQUIRED_PROMPTS", "PromptError", "PromptTemplate", "Prompts", "load_prompts"]
