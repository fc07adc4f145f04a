"""Rasa GraphComponents for Vietnamese: word segmentation with pyvi and language detection."""
