"""Pure: cues and readability, layout and safe zones, reframing, the plan of each output."""
