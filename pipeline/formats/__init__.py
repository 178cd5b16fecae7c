"""Caption file formats: SRT, WebVTT and ASS (libass) text, with no I/O."""
