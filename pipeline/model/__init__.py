"""Records only: errors, media facts, words and cues, the edit plan, outputs. No I/O."""
