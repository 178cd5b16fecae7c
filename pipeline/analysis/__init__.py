"""Per-clip facts, cached by content: probe, audio, transcription (Whisper child, pinned kernels)."""
