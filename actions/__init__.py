"""Custom actions, one module per topic. Thin: ask the knowledge layer, pick a domain response, fill it in."""
