"""Pure ffmpeg graph building, running ffmpeg, drawing the assets a plan names."""
